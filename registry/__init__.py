"""The registry of social organizations (登记库), name check (名称核准) and credit codes."""
