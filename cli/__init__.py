"""The command line (命令行): subcommands that run the domain code without the GUI."""
