"""Printing (打印): certificates, receipts and notices as PDF bytes with reportlab. No Qt.

``data`` holds what each document says, ``templates`` where it goes on the sheet, ``fonts`` which
embedded font draws each character, ``documents`` puts them together and ``calibration`` shifts
the print onto pre-printed stock (套打). Printing renders; it decides nothing about cases and
imports nothing of ``workflow``: what a case may print, the print records and the reprint rules
are the case workflow's (``workflow.case_documents``, ``workflow.print_records``,
``workflow.print_rules``, ``workflow.case_print``).
"""
