from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from gallery.services import photos_move_to_trash
from pictura.forms_feedback import message_form_errors, posted_next_url
from pictura.pagination import page_of

from . import services
from .forms import AlbumDeleteForm, AlbumForm, PhotoSelectionForm
from .models import Album


def get_album_for_user(request, pk: int) -> Album:
    """The album if the signed-in user owns it; 404 otherwise."""
    return get_object_or_404(Album.objects.owned_by(request.user), pk=pk)


@login_required
@require_GET
def album_list(request):
    albums = Album.objects.owned_by(request.user).with_covers()
    return render(request, "albums/album_list.html", {"albums": albums})


@login_required
def album_create(request):
    form = AlbumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        album = services.album_create(owner=request.user, **form.cleaned_data)
        messages.success(request, f"Created the album “{album}”.")
        return redirect(album)
    return render(request, "albums/album_form.html", {"form": form})


@login_required
@require_GET
def album_detail(request, pk):
    album = get_album_for_user(request, pk)
    page = page_of(request, album.visible_photos(), count=album.photo_count)
    ctx = {
        "album": album,
        "page": page,
        "other_albums": Album.objects.owned_by(request.user).exclude(pk=album.pk).to_choose_from(),
    }
    return render(request, "albums/album_detail.html", ctx)


@login_required
def album_edit(request, pk):
    album = get_album_for_user(request, pk)
    form = AlbumForm(request.POST or None, instance=album)
    if request.method == "POST" and form.is_valid():
        services.album_update(album=album, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect(album)
    return render(request, "albums/album_form.html", {"form": form, "album": album})


@login_required
def album_delete(request, pk):
    album = get_album_for_user(request, pk)
    form = AlbumDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        trashed = services.album_delete(album=album, delete_photos=form.cleaned_data["photos"] == "delete")
        note = f" and moved {trashed} photo{pluralize(trashed)} to the trash" if trashed else ""
        messages.success(request, f"Deleted the album “{album}”{note}.")
        return redirect("albums:list")
    count = album.visible_photos().count()
    return render(request, "albums/album_delete.html", {"album": album, "form": form, "count": count})


@login_required
@require_GET
def album_download(request, pk):
    album = get_album_for_user(request, pk)
    response = StreamingHttpResponse(
        services.zip_chunks(services.archive_entries(album.visible_photos())), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{album.title}.zip")
    return response


@login_required
@require_POST
def photos_selection(request):
    """The selection toolbar of the gallery and album pages: one action on many photos."""
    form = PhotoSelectionForm(request.POST, user=request.user)
    back = posted_next_url(request, "/")
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect(back)
    data = form.cleaned_data
    ids, source, target = data["photos"], data["source"], data["target"]
    match data["action"]:
        case "add":
            added = services.album_add_photos(album=target, photo_ids=ids)
            messages.success(request, f"Added {added} photo{pluralize(added)} to “{target}”.")
        case "move":
            moved = services.album_move_photos(source=source, target=target, photo_ids=ids)
            messages.success(request, f"Moved {moved} photo{pluralize(moved)} to “{target}”.")
        case "remove":
            removed = services.album_remove_photos(album=source, photo_ids=ids)
            messages.success(request, f"Removed {removed} photo{pluralize(removed)} from “{source}”.")
        case "cover":
            if services.album_set_cover(album=source, photo_id=ids[0]):
                messages.success(request, "Cover changed.")
        case "trash":
            trashed = photos_move_to_trash(owner=request.user, photo_ids=ids)
            messages.success(request, f"Moved {trashed} photo{pluralize(trashed)} to the trash.")
    return redirect(back)
