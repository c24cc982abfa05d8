"""User accounts (用户管理): creation, login with lockout, roles."""
