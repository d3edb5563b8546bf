from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analysis import tasks
from analysis.models import PhotoAnalysis, PhotoTag

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # runs the local tagger


def reindex(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("reindex", *args, stdout=out, stderr=err)
    return out.getvalue()


def states() -> dict[int, tuple[str, int]]:
    return {a.photo_id: (a.state, a.attempts) for a in PhotoAnalysis.objects.all()}


def test_default_analyses_photos_never_analysed(owner, add_photos):
    photos = add_photos(owner, 3)
    output = reindex("--tagger", "local")
    assert "Analysed 3 photo(s)" in output and "3 done, 0 failed" in output
    assert states() == {p.pk: ("done", 1) for p in photos}
    assert reindex("--tagger", "local").startswith("Analysed 0 photo(s)")  # nothing twice


def test_dry_run_changes_nothing(owner, add_photos):
    add_photos(owner, 2)
    assert reindex("--dry-run").strip() == "Would analyse 2 photo(s) (unfinished)."
    assert states() == {}


def test_all_analyses_again_and_keeps_manual_tags(owner, add_photos):
    [photo] = add_photos(owner, 1)
    from analysis.services import photo_add_manual_tags

    photo_add_manual_tags(photo=photo, names=("mine",))
    reindex("--tagger", "local")
    reindex("--all", "--tagger", "local")
    assert states() == {photo.pk: ("done", 1)}  # a fresh set of attempts each time it is asked
    assert PhotoTag.objects.filter(photo=photo, source="manual").count() == 1


def test_user_and_since_narrow_the_selection(owner, stranger, add_photos):
    mine = add_photos(owner, 2)
    add_photos(stranger, 1)
    assert "Would analyse 2 photo(s) (unfinished, of olivia)" in reindex("--dry-run", "--user", "olivia")
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    assert "Would analyse 0 photo(s)" in reindex("--dry-run", "--since", tomorrow)
    reindex("--user", "olivia", "--tagger", "local")
    assert set(states()) == {p.pk for p in mine}


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        reindex("--user", "nobody")
    with pytest.raises(CommandError, match="is not a date like 2026-01-31"):
        reindex("--since", "last tuesday")


def test_failed_only_retries_failures(owner, add_photos):
    good, bad = add_photos(owner, 2)
    reindex("--tagger", "local")
    PhotoAnalysis.objects.filter(photo=bad).update(state="failed", last_error="Rekognition: InternalFailure")
    output = reindex("--failed", "--tagger", "local")
    assert "Analysed 1 photo(s)" in output
    assert states() == {good.pk: ("done", 1), bad.pk: ("done", 1)}
    assert PhotoAnalysis.objects.get(photo=bad).last_error == ""


def test_default_picks_up_failed_and_stuck_running_analyses(owner, add_photos):
    done, failed, stuck, running = add_photos(owner, 4)
    reindex("--tagger", "local")
    PhotoAnalysis.objects.filter(photo=failed).update(state="failed", last_error="Gave up after 12 attempts")
    past, future = timezone.now() - timezone.timedelta(minutes=1), timezone.now() + timezone.timedelta(minutes=5)
    PhotoAnalysis.objects.filter(photo=stuck).update(state="running", due_at=past)  # its worker was lost
    PhotoAnalysis.objects.filter(photo=running).update(state="running", due_at=future)  # still being done
    output = reindex("--tagger", "local")
    assert "Analysed 2 photo(s)" in output and "2 done, 0 failed" in output
    assert {pk: state for pk, (state, _) in states().items()} == {
        done.pk: "done", failed.pk: "done", stuck.pk: "done", running.pk: "running",
    }


def test_an_interrupted_run_is_finished_by_the_next_without_redoing_work(owner, add_photos, monkeypatch):
    photos = add_photos(owner, 3)
    real_apply = tasks.analyse_photo.apply
    calls = []

    def interrupt_at_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(tasks.analyse_photo, "apply", interrupt_at_the_second)
    output = reindex("--all", "--tagger", "local")
    assert "Interrupted: 2 photo(s) still waiting" in output
    monkeypatch.undo()

    output = reindex("--tagger", "local")

    assert "Analysed 2 photo(s)" in output
    assert states() == {p.pk: ("done", 1) for p in photos}


def test_async_queues_for_the_workers(owner, add_photos):
    add_photos(owner, 2)
    assert "Queued 2 photo(s) (unfinished) for the workers." in reindex("--async", "--tagger", "local")
