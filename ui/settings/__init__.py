"""The sections of the 设置 page (设置分区), one module each, listed in ``ui.pages.settings_page``."""
