"""Prints an AWS-shaped event for the demo and the local Lambda run, made
from the fixtures in tests/fixtures/.

  event.py tag REGION ACCOUNT VPC_ID true|false   Tag Change on Resource
  event.py scheduled                              Scheduled Event
  event.py malformed                              a Tag Change on Resource without resource-type
"""

import json
import sys
import uuid
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / name).read_text())


def main(argv):
    kind = argv[1] if len(argv) > 1 else ""
    if kind == "tag" and len(argv) == 6:
        region, account, vpc, tagged = argv[2:6]
        name = "tag-change-added.json" if tagged == "true" else "tag-change-removed.json"
        event = load(name)
        event["account"] = account
        event["region"] = region
        event["resources"] = [f"arn:aws:ec2:{region}:{account}:vpc/{vpc}"]
    elif kind == "scheduled" and len(argv) == 2:
        event = load("scheduled-event.json")
    elif kind == "malformed" and len(argv) == 2:
        event = load("tag-change-added.json")
        del event["detail"]["resource-type"]
    else:
        sys.exit(__doc__)
    event["id"] = str(uuid.uuid4())
    print(json.dumps(event, indent=2))


if __name__ == "__main__":
    main(sys.argv)
