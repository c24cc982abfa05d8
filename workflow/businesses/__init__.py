"""The effects of the catalogue's businesses on the registry at approval, one module per business."""
