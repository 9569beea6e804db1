"""EC2 tag limits, for CreateTags and for the tags given at creation
(TagSpecifications) of a customer-managed prefix list.

"Tag restrictions" (Amazon EC2 User Guide, Tag your Amazon EC2 resources,
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html): "Maximum
number of tags per resource – 50", "Maximum key length – 128 Unicode
characters in UTF-8", "Maximum value length – 256 Unicode characters in UTF-8";
tags with the `aws:` prefix do not count against the 50. (The API reference's
Tag data type, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Tag.html,
says keys "accept a maximum of 127 Unicode characters": a client that keeps
its keys to 127 is safe with either.)

* moto already enforces the 50 (`TagLimitExceeded`, "The maximum number of
  Tags for a resource has been reached.", counting the tags a resource already
  has), on CreateTags and on TagSpecifications, and CreateTags / DeleteTags on
  a prefix list (`pl-…`) already change the tags DescribeManagedPrefixLists
  returns (DeleteTags with a value deletes the tag only if the value matches,
  as the API reference DeleteTags says).
* moto does not limit the lengths: a key over 128 characters or a value over
  256 fails with `InvalidParameterValue` ("Tag key exceeds the maximum length
  of 128 characters", "Tag value exceeds the maximum length of 256
  characters"; the code and wording are AWS's as clients quote them, not in
  the API reference), on CreateTags for any resource and on the
  TagSpecifications of CreateManagedPrefixList (see prefix_lists); nothing is
  tagged or created then. For CreateManagedPrefixList the 50 are checked
  before the list is made (moto would leave the first 50 tags behind).
"""

from moto.ec2.responses.tags import TagResponse

from .common import error

MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256


def check_lengths(tags):
    """`tags`: {key: value} or [{"Key": .., "Value": ..}]."""
    pairs = tags.items() if isinstance(tags, dict) else [(t.get("Key"), t.get("Value")) for t in tags]
    for key, value in pairs:
        if len(key or "") > MAX_KEY:
            raise error("InvalidParameterValue",
                        f"Tag key exceeds the maximum length of {MAX_KEY} characters")
        if len(value or "") > MAX_VALUE:
            raise error("InvalidParameterValue",
                        f"Tag value exceeds the maximum length of {MAX_VALUE} characters")


def check_new(tags):
    """Tags given at creation ({key: value}): lengths, and at most 50 without
    the `aws:` prefix, checked before anything is created (moto tags a new
    resource one tag at a time and fails at the 51st, leaving 50 behind)."""
    check_lengths(tags)
    if len([k for k in tags if not k.startswith("aws:")]) > MAX_TAGS:
        raise error("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")


def apply():
    orig_create = TagResponse.create_tags

    def create_tags(self):
        check_lengths(self._get_param("Tags", []))
        return orig_create(self)

    TagResponse.create_tags = create_tags
