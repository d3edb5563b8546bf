import pytest
from django.urls import reverse

from accounts.models import User
from gallery.services import photo_ingest
from pictura.testing.images import make_image, upload

pytestmark = pytest.mark.django_db

REGISTER = reverse("accounts:register")


def register(client, **overrides):
    data = {
        "username": "newbie",
        "email": "newbie@example.org",
        "password1": "a long pass phrase 77",
        "password2": "a long pass phrase 77",
        **overrides,
    }
    return client.post(REGISTER, data)


def test_register_creates_the_user_signs_them_in_and_goes_to_upload(client):
    response = register(client)
    assert response.status_code == 302 and response["Location"] == reverse("gallery:upload")
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.org"
    assert client.get(reverse("gallery:index")).context["user"] == user


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"username": "olivia"}, "username", "A user with that username already exists."),
        ({"username": "bad name!"}, "username", "Enter a valid username."),
        ({"email": "OLIVIA@example.org"}, "email", "An account with this email address already exists."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"password2": "something else 77"}, "password2", "The two password fields didn’t match."),
        ({"password1": "12345678", "password2": "12345678"}, "password2", "This password is too common."),
    ],
)
def test_register_validation_messages(client, owner, overrides, field, message):
    response = register(client, **overrides)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(username=overrides.get("username", "newbie")).exclude(pk=owner.pk).exists()


def test_login_and_logout(client, owner):
    response = client.post(reverse("accounts:login"), {"username": "olivia", "password": "correct horse 42"})
    assert response.status_code == 302 and response["Location"] == reverse("gallery:index")
    assert client.get(reverse("accounts:logout")).status_code == 405  # logging out takes a POST
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("gallery:index")).status_code == 302


def test_login_with_a_wrong_password_says_so(client, owner):
    response = client.post(reverse("accounts:login"), {"username": "olivia", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_change_password(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:password_change"),
        {"old_password": "correct horse 42", "new_password1": "new pass phrase 99", "new_password2": "new pass phrase 99"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    owner.refresh_from_db()
    assert owner.check_password("new pass phrase 99")


def test_change_password_needs_the_old_one(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "new pass phrase 99", "new_password2": "new pass phrase 99"},
    )
    assert "Your old password was entered incorrectly." in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("correct horse 42")


def test_profile_shows_photo_count_and_storage_used(owner_client, owner, stranger):
    sizes = []
    for i in range(2):
        data = make_image(color=(i * 90, 10, 10))
        sizes.append(len(data))
        photo_ingest(owner=owner, upload=upload(f"{i}.jpg", data))
    photo_ingest(owner=stranger, upload=upload("x.jpg", make_image(color=(1, 2, 3))))
    trashed = photo_ingest(owner=owner, upload=upload("t.png", make_image(fmt="PNG")))
    trashed.move_to_trash()
    response = owner_client.get(reverse("accounts:profile"))
    # The trash still takes space until it is emptied.
    library = response.context["library"]
    assert (library.photos, library.trashed, library.bytes) == (2, 1, sum(sizes) + trashed.file_size)


@pytest.mark.parametrize("name", ["profile", "password_change"])
def test_account_pages_need_sign_in(client, name):
    response = client.get(reverse(f"accounts:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
