"""Photos through the API, as their owner: list and search, detail, upload, edit, trash,
downloads; with the ETags, errors and throttle every endpoint shares."""
import pytest
from django.urls import reverse

from albums.models import Album
from analysis.models import PhotoTag
from gallery.models import Library, Photo
from pictura.testing.images import make_image, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(owner, build_library):
    return build_library(owner, "alpha")


@pytest.fixture
def api(owner, api_as):
    return api_as(owner, "write")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def test_the_list_is_newest_first_and_a_cursor_walks_it_without_repeats(owner, api, add_photos, django_assert_max_num_queries):
    photos = add_photos(owner, 7)
    newest_first = [p.pk for p in sorted(photos, key=lambda p: (p.sort_at, p.pk), reverse=True)]
    seen, url = [], reverse("api:photo-list") + "?limit=3"
    while url:
        with django_assert_max_num_queries(4):
            page = api.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]
    assert seen == newest_first
    assert api.get(reverse("api:photo-list") + "?cursor=nonsense").json()["error"]["fields"] == {
        "cursor": ["Use the cursor of a page's “next” address as it is."]}
    assert api.get(reverse("api:photo-list") + "?limit=5000").status_code == 400


def test_the_list_takes_the_search_pages_filters(owner, api, mine):
    first, second, third = mine.photos
    assert ids(api.get(reverse("api:photo-list"), {"q": "sunset"})) == [first.pk]
    assert ids(api.get(reverse("api:photo-list"), {"tag": "alphatag"})) == [second.pk]
    assert set(ids(api.get(reverse("api:photo-list"), {"album": mine.album.pk}))) == {first.pk, second.pk}
    assert ids(api.get(reverse("api:photo-list"), {"people": mine.person.pk})) == [third.pk]
    assert set(ids(api.get(reverse("api:photo-list"), {"q": "camera:canon"}))) == {p.pk for p in mine.photos}
    wrong = api.get(reverse("api:photo-list"), {"q": "year:12", "taken_from": "2024-05-01", "taken_to": "2024-01-01"})
    assert wrong.status_code == 400
    assert set(wrong.json()["error"]["fields"]) == {"q", "taken_to"}
    assert mine.trashed.pk not in ids(api.get(reverse("api:photo-list")))


def test_the_detail_has_metadata_tags_faces_place_and_albums_in_few_queries(api, mine, django_assert_max_num_queries):
    first = mine.photos[0]
    with django_assert_max_num_queries(10):
        photo = api.get(reverse("api:photo-detail", args=[first.pk])).json()
    assert photo["title"] == "alpha sunset" and photo["camera"] == "Canon EOS 40D" and photo["iso"] == 400
    assert photo["place"]["city"] == "Arezzo" and photo["location"]["latitude"] == pytest.approx(43.467, abs=0.01)
    assert photo["albums"] == [{"id": mine.album.pk, "title": "alpha album"}]
    assert {"name": "arezzo", "source": "place"} in [{k: t[k] for k in ("name", "source")} for t in photo["tags"]]
    faces = api.get(reverse("api:photo-detail", args=[mine.photos[2].pk])).json()["faces"]
    assert faces[0]["person"] == {"id": mine.person.pk, "name": "alpha person"}
    assert faces[0]["box"] == {"left": 0.2, "top": 0.2, "width": 0.3, "height": 0.3}


def test_downloads_give_the_original_and_the_renditions(api, mine):
    first = mine.photos[0]
    original = api.get(reverse("api:photo-original", args=[first.pk]))
    assert b"".join(original.streaming_content) == first.original.open("rb").read()
    assert 'filename="alpha-0.jpg"' in original["Content-Disposition"]
    for kind in ("preview", "thumbnail"):
        response = api.get(reverse(f"api:photo-{kind}", args=[first.pk]))
        assert response["Content-Type"] == "image/jpeg" and b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_an_upload_is_a_photo_with_the_batch_options_and_refusals_say_why(owner, api, mine, settings):
    data = make_image(color=(9, 200, 9))
    response = api.post(reverse("api:photo-list"), {"file": upload("new.jpg", data), "album": mine.album.pk,
                                                     "tags": "beach, Summer"})
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(pk=response.json()["id"])
    assert response["Location"].endswith(reverse("api:photo-detail", args=[photo.pk]))
    assert photo.renditions_ready and mine.album.album_photos.filter(photo=photo).exists()
    assert set(PhotoTag.objects.filter(photo=photo, source="manual").values_list("tag__name", flat=True)) == {"beach", "summer"}

    again = api.post(reverse("api:photo-list"), {"file": upload("again.jpg", data)})
    assert again.status_code == 409
    assert again.json()["error"] == {"status": 409, "code": "duplicate", "message": "You have already uploaded this photo.",
                                     "fields": {}, "photo": photo.pk, "in_trash": False}
    corrupt = api.post(reverse("api:photo-list"), {"file": upload("broken.jpg", data[:200])})
    assert corrupt.status_code == 422 and corrupt.json()["error"]["code"] == "rejected"
    assert "could not be read" in corrupt.json()["error"]["message"] or corrupt.json()["error"]["message"]
    settings.PICTURA_MAX_UPLOAD_MB = 1
    huge = api.post(reverse("api:photo-list"), {"file": upload("huge.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10))})
    assert huge.status_code == 413 and huge.json()["error"]["message"] == "The file is larger than the 1 MB limit."
    missing = api.post(reverse("api:photo-list"), {})
    assert missing.status_code == 400 and "file" in missing.json()["error"]["fields"]
    assert Library.of(owner.pk).photos == 4


def test_editing_sets_details_and_replaces_keywords(api, mine):
    second = mine.photos[1]
    url = reverse("api:photo-detail", args=[second.pk])
    response = api.patch(url, {"title": "Harbour", "taken_at": "2019-07-04T10:00:00Z", "keywords": ["boats", "Sea"]},
                         content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Harbour" and response.json()["sort_at"] == "2019-07-04T10:00:00Z"
    keywords = {t["name"] for t in response.json()["tags"] if t["source"] in ("manual", "file")}
    assert keywords == {"boats", "sea"}  # "alphatag" was replaced
    wrong = api.patch(url, {"taken_at": "1700-01-01T00:00:00Z", "title": "x" * 201}, content_type="application/json")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"]["taken_at"] == ["Photographs exist from 1826 until today: check the date."]
    assert "title" in wrong.json()["error"]["fields"]


def test_delete_moves_to_the_trash_and_the_trash_restores_deletes_and_empties(owner, api, mine, media_root):
    first, second, _ = mine.photos
    assert api.delete(reverse("api:photo-detail", args=[first.pk])).status_code == 204
    assert api.get(reverse("api:photo-detail", args=[first.pk])).status_code == 404
    assert ids(api.get(reverse("api:trash-list"))) == [first.pk, mine.trashed.pk]
    restored = api.post(reverse("api:trash-restore", args=[first.pk]))
    assert restored.status_code == 200 and restored.json()["id"] == first.pk
    assert api.delete(reverse("api:trash-detail", args=[mine.trashed.pk])).status_code == 204
    assert not Photo.objects.filter(pk=mine.trashed.pk).exists()
    api.delete(reverse("api:photo-detail", args=[second.pk]))
    assert api.post(reverse("api:trash-empty")).json() == {"deleted": 1, "failed": 0}
    assert Library.of(owner.pk).trashed == 0 and not any(second.original.name in n for n in map(str, media_root.rglob("*")))


def test_reads_carry_an_etag_and_an_unchanged_answer_is_a_304(api, mine):
    url = reverse("api:photo-detail", args=[mine.photos[0].pk])
    first = api.get(url)
    assert first["ETag"] and "Authorization" in first["Vary"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    api.patch(url, {"title": "changed"}, content_type="application/json")
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    listed = api.get(reverse("api:album-list"))
    assert api.get(reverse("api:album-list"), HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304


def test_each_token_has_its_own_request_budget(owner, api_as, settings):
    settings.PICTURA_API_REQUESTS_PER_MINUTE = 3
    busy, other = api_as(owner), api_as(owner)
    assert [busy.get(reverse("api:me")).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = busy.get(reverse("api:me"))
    assert refused.json()["error"]["code"] == "throttled" and refused.json()["error"]["retry_after"] >= 1
    assert int(refused["Retry-After"]) >= 1
    assert other.get(reverse("api:me")).status_code == 200


def test_an_address_outside_the_api_is_a_json_404_and_methods_not_allowed_say_so(api):
    assert api.get("/api/v1/nothing/here/").json()["error"]["code"] == "not_found"
    response = api.put(reverse("api:me"))
    assert response.status_code == 405 and response.json()["error"]["message"] == 'Method "PUT" not allowed.'


def test_albums_are_made_changed_filled_emptied_zipped_and_deleted(owner, api, mine):
    made = api.post(reverse("api:album-list"), {"title": "Trip", "description": "Spring"}, content_type="application/json")
    assert made.status_code == 201
    trip = made.json()["id"]
    first, second, third = (p.pk for p in mine.photos)
    add = api.post(reverse("api:album-photos", args=[trip]), {"photos": [first, second, first]}, content_type="application/json")
    assert add.json() == {"added": 2}
    assert set(ids(api.get(reverse("api:album-photos", args=[trip])))) == {first, second}
    cover = api.patch(reverse("api:album-detail", args=[trip]), {"cover": first, "title": "Trip 2026"},
                      content_type="application/json")
    assert cover.json()["cover"] == first and cover.json()["title"] == "Trip 2026"
    bad_cover = api.patch(reverse("api:album-detail", args=[trip]), {"cover": third}, content_type="application/json")
    assert bad_cover.json()["error"]["fields"] == {"cover": ["The cover must be one of the album's photos."]}
    moved = api.post(reverse("api:album-move-photos", args=[trip]), {"photos": [second], "target": mine.album.pk},
                     content_type="application/json")
    assert moved.json() == {"moved": 1}
    removed = api.post(reverse("api:album-remove-photos", args=[trip]), {"photos": [first]}, content_type="application/json")
    assert removed.json() == {"removed": 1}
    assert api.get(reverse("api:album-detail", args=[trip])).json()["photo_count"] == 0
    zipped = api.get(reverse("api:album-download", args=[mine.album.pk]))
    assert zipped["Content-Type"] == "application/zip" and b"".join(zipped.streaming_content)[:2] == b"PK"
    untitled = api.post(reverse("api:album-list"), {"title": ""}, content_type="application/json")
    assert untitled.status_code == 400 and "title" in untitled.json()["error"]["fields"]
    assert api.delete(reverse("api:album-detail", args=[mine.album.pk]) + "?photos=trash").status_code == 204
    assert not Album.objects.filter(pk=mine.album.pk).exists()
    assert Photo.objects.in_trash_of(owner).filter(pk__in=[first, second]).count() == 2


def test_tags_people_places_stats_and_me(owner, api, mine):
    tags = {t["name"]: t["count"] for t in api.get(reverse("api:tags")).json()}
    assert tags["alphatag"] == 1 and tags["arezzo"] == 1
    [person] = api.get(reverse("api:person-list")).json()["results"]
    assert person["name"] == "alpha person" and person["photo_count"] == 1
    face = api.get(person["face"].replace("http://testserver", ""))
    assert face["Content-Type"] == "image/jpeg" and b"".join(face.streaming_content)[:2] == b"\xff\xd8"
    hidden = api.patch(reverse("api:person-detail", args=[person["id"]]), {"hidden": True, "name": "Ana"},
                       content_type="application/json")
    assert hidden.json()["hidden"] is True and hidden.json()["name"] == "Ana"
    assert api.get(reverse("api:person-list")).json()["results"] == []
    assert len(api.get(reverse("api:person-list") + "?hidden=1").json()["results"]) == 1
    [italy] = api.get(reverse("api:places")).json()
    assert italy["name"] == "Italy" and italy["cities"][0]["name"] == "Arezzo" and italy["cover"] == mine.photos[0].pk
    stats = api.get(reverse("api:stats"), {"range": "all"}).json()
    assert "alphatag" in stats["top_tags"]["labels"]
    assert api.get(reverse("api:stats"), {"range": "forever"}).status_code == 400
    me = api.get(reverse("api:me")).json()
    assert me["username"] == "olivia" and me["photos"] == 3 and me["in_trash"] == 1
    assert me["storage_used"] == Library.of(owner.pk).bytes and "storage_quota" in me


def test_share_links_are_made_listed_and_revoked(owner, api, mine, settings):
    made = api.post(reverse("api:share-link-list"), {"album": mine.album.pk, "expires_on": "2099-01-31"},
                    content_type="application/json")
    assert made.status_code == 201, made.content
    link = made.json()
    assert link["status"] == "active" and link["expires_on"] == "2099-01-31" and link["url"].startswith("http://testserver/s/")
    assert {item["id"] for item in api.get(reverse("api:share-link-list")).json()["results"]} == {link["id"], mine.link.pk}
    both = api.post(reverse("api:share-link-list"), {"album": mine.album.pk, "photo": mine.photos[0].pk},
                    content_type="application/json")
    assert both.json()["error"]["message"] == "Give either a photo or an album."
    past = api.post(reverse("api:share-link-list"), {"photo": mine.photos[0].pk, "expires_on": "2001-01-01"},
                    content_type="application/json")
    assert past.json()["error"]["fields"] == {"expires_on": ["Choose today or a day in the future."]}
    marked = api.post(reverse("api:share-link-list"), {"photo": mine.photos[0].pk, "watermark": True},
                      content_type="application/json")
    assert marked.status_code == 409 and marked.json()["error"]["code"] == "no_watermark"
    assert api.delete(reverse("api:share-link-detail", args=[link["id"]])).status_code == 204
    assert api.get(reverse("api:share-link-detail", args=[link["id"]])).json()["status"] == "revoked"
    assert api.get(link["url"].replace("http://testserver", "")).status_code == 410


def test_lists_ask_the_same_queries_for_5_photos_as_for_40(owner, api, add_photos):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(path):
        api.get(path)  # the token's first use of the minute is noted once
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    add_photos(owner, 5)
    few = {path: queries(path) for path in ("/api/v1/photos/", "/api/v1/photos/?q=IMG", "/api/v1/trash/",
                                            "/api/v1/albums/", "/api/v1/tags/")}
    photos = add_photos(owner, 35)
    api.post(reverse("api:album-list"), {"title": "All"}, content_type="application/json")
    for photo in photos[:10]:
        api.delete(reverse("api:photo-detail", args=[photo.pk]))
    many = {path: queries(path) for path in few}
    assert many == few
    assert few["/api/v1/photos/"] <= 3
