from suites.load import main

main()
