"""Printing (打印): certificates, receipts and notices as PDF bytes with reportlab. No Qt.

``data`` holds what each document says, ``templates`` where it goes on the sheet, ``fonts`` which
embedded font draws each character, ``documents`` puts them together, ``calibration`` shifts the
print onto pre-printed stock (套打) and ``rules`` holds the reprint rules.
"""
