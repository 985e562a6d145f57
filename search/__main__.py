from search.entry import main

main()
