import pytest

from index.builder import prepare
from index.metadata import find_date, find_org
from index.models import Document
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("name", "org", "doctype", "date"),
    [
        ("000_cb0cf3f13fc08513.txt", "Region Kronoberg", "nyhetsbrev", "2025-01"),
        ("001_b7a6846f7dc914a0.txt", "Region Kalmar län", "protokoll", None),
        ("002_b14fd12e5c9e615b.txt", "Region Kalmar län", "presentation", "2024-05-17"),
        ("003_04b3993313128445.txt", "Region Kalmar län", "presentation", "2025-06-17"),
        ("004_b8ebff7d4bb7d37c.txt", "Region Skåne", "mötesanteckningar", "2024-01-15"),
    ],
)
def test_seed_metadata(name: str, org: str, doctype: str, date: str | None) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    record = prepare(Document(doc_id=name, text=text, path=name)).record
    assert (record.org, record.doctype, record.date) == (org, doctype, date)


def test_date_forms() -> None:
    assert find_date("Protokoll\nsammanträde 3 mars 2023\n", None) == "2023-03-03"
    assert find_date("Rapport\n2022-11-30\n", None) == "2022-11-30"
    assert find_date("Arbetet avslutades 2023-12-31 enligt plan.", None) is None
    assert find_date("ingen datering här", "NYHETSBREV OKTOBER 2021") == "2021-10"


def test_org_most_named_wins() -> None:
    text = "Region Skåne och Region Halland. Region Hallands beslut. Region Halland igen."
    assert find_org(text) == "Region Halland"
    assert find_org("inget namn") is None


def test_sidecar_style_given_metadata_wins() -> None:
    doc = Document(doc_id="x", text="Region Skåne\n\nText om vård.", given={"org": "Egen org"})
    assert prepare(doc).record.org == "Egen org"
