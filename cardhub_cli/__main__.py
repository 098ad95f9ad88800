from cardhub_cli.main import cli

cli()
