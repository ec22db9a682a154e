"""Allow ``python -m gruchat``."""

from gruchat.cli import main

if __name__ == "__main__":
    main()
