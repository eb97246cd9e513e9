"""``make bench``: figures and ratios, printed side by side in one run (DESIGN.md, Performance)."""
from bench import exchange, node, validation


def main() -> None:
    print("trm benchmarks (figures from this machine, this run)\n")
    validation.run()
    node.run()
    exchange.run()


if __name__ == "__main__":
    main()
