from aftersales_cli.cli import main

main()
