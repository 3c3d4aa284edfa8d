from exopool.cli import main

main()
