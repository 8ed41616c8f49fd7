from simuser.cli.app import run

run()
