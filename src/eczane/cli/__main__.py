from eczane.cli import main

main()
