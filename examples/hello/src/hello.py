"""The example app: greets, says which Python the image has, and checks itself."""
import os
import sys


def main() -> int:
    greeting = os.environ.get("GREETING", "")
    with open("/etc/python-version", encoding="utf-8") as handle:
        version = handle.read().strip()
    if "--self-test" in sys.argv:
        ok = greeting != "" and version == ".".join(map(str, sys.version_info[:3]))
        print("self-test:", "ok" if ok else "FAILED")
        return 0 if ok else 1
    print(f"{greeting}! Python {version} in {os.getcwd()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
