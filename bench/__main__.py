"""``make bench``: figures and ratios, printed side by side in one run (DESIGN.md, Performance)."""
from bench import validation


def main() -> None:
    print("trm benchmarks (figures from this machine, this run)\n")
    validation.run()


if __name__ == "__main__":
    main()
