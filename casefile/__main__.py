from casefile import main

main()
