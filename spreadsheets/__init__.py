"""Spreadsheets (表格): reading .xlsx/.csv files and importing them into the registry."""
