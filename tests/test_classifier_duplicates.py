"""Duplicate requests: same place, same topic, similar words, within the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from classifier import DupItem, find_duplicates

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def item(i: str, text: str, topic="aydinlatma", mahalle="Mevlana", ilce="Talas", days=0.0) -> DupItem:
    return DupItem(i, text, topic, ilce, mahalle, T0 + timedelta(days=days))


NEW = item("new", "Sokağımızdaki lambalar yanmıyor, gece zifiri karanlık", days=2)


def test_same_problem_reworded_is_found():
    cands = [item("a", "sokak lambalari yanmiyor"), item("b", "Mevlana'da sokak lambası bozuk, karanlık")]
    found = dict(find_duplicates(NEW, cands))
    assert "a" in found and "b" in found
    assert all(0 < s <= 1 for s in found.values())


def test_other_place_topic_or_time_is_not_a_duplicate():
    cands = [
        item("other_mahalle", "sokak lambaları yanmıyor", mahalle="Hunat", ilce="Melikgazi"),
        item("other_topic", "sokak lambaları yanmıyor", topic="temizlik"),
        item("too_old", "sokak lambaları yanmıyor", days=-30),
        item("other_problem", "parkın çimleri biçilmedi", topic="aydinlatma"),
    ]
    assert find_duplicates(NEW, cands) == []


def test_best_first_and_window_parameter():
    cands = [
        item("close", "lambalar yanmıyor sokak karanlık"),
        item("loose", "karanlık"),
        item("old", "sokak lambaları yanmıyor", days=-8),
    ]
    res = find_duplicates(NEW, cands, window_days=14)
    ids = [i for i, _ in res]
    assert ids[0] in {"close", "old"}
    scores = dict(res)
    assert scores.get("loose", 0.0) < scores["close"]  # one shared word scores below a full rewording
    assert "old" in ids and "old" not in [i for i, _ in find_duplicates(NEW, cands)]


def test_unknown_mahalle_needs_closer_text():
    near = item("near", "Sokağımızdaki lambalar yanmıyor gece karanlık", mahalle=None)
    vague = item("vague", "lamba bozuk", mahalle=None)
    ids = [i for i, _ in find_duplicates(NEW, [near, vague])]
    assert ids == ["near"]


def test_naive_and_aware_times_mix():
    naive = DupItem(
        "n", "sokak lambaları yanmıyor", "aydinlatma", "Talas", "Mevlana", datetime(2026, 3, 3, 9, 0)
    )
    assert [i for i, _ in find_duplicates(NEW, [naive])] == ["n"]


def test_scoring_many_candidates_at_once_gives_the_same_numbers():
    """similarities() (one rapidfuzz call, vectorised cosine) equals text_similarity pair by pair,
    bit for bit, so batching never moves a score across the threshold."""
    import random

    from classifier.duplicates import BATCH_FROM, similarities, text_similarity

    texts = [
        "sokak lambaları yanmıyor", "Sokağımızdaki lambalar yanmıyor gece karanlık", "lamba bozuk",
        "su borusu patladı yola su akıyor", "ANA BORU PATLAMIŞ, sokak su içinde!", "çöpler toplanmadı",
        "", "ve ile bu", "a b c", "123 456", "ağaç devrildi ağaç devrildi ağaç", "x" * 300,
    ]  # fmt: skip
    rng = random.Random(5)
    for _ in range(200):
        a = rng.choice(texts)
        others = [rng.choice(texts) for _ in range(rng.randint(BATCH_FROM, 3 * BATCH_FROM))]
        assert similarities(a, others) == [text_similarity(a, b) for b in others]
