"""The Qt layer (图形界面): the only package besides main.py that imports PySide6.

Entry: ``ui.app.run_gui``. Windows and dialogs ask domain functions for plain data and run them
through ``ui.tasks.TaskRunner``; pages are listed in ``ui.pages.PAGES``.
"""
