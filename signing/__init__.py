"""Signing (签名): Ed25519 window keys and the signed QR codes on certificates and receipts. No Qt."""
