"""The people pages: everyone found in the user's photos, one person's photos and faces, and the
owner's corrections. Another user's person or face is a 404, like their photos."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from gallery.files import stored_file_response
from gallery.models import Photo
from pictura.forms_feedback import message_form_errors, posted_next_url
from pictura.pagination import page_of

from . import people
from .forms import FaceMoveForm, PersonMergeForm, PersonNameForm
from .models import Face, Person


def _person_of(request, pk) -> Person:
    return get_object_or_404(Person.objects.of(request.user), pk=pk)


def _face_of(request, pk) -> Face:
    return get_object_or_404(Face.objects.of(request.user).live().select_related("person", "photo__owner"), pk=pk)


def _back(request, fallback):
    return redirect(posted_next_url(request, fallback.get_absolute_url()))


@login_required
@require_GET
def people_index(request):
    """Named people, biggest first, then the unnamed groups; hidden people on request."""
    show_hidden = request.GET.get("hidden") == "1"
    everyone = Person.objects.of(request.user).with_photos().filter(hidden=show_hidden)
    ctx = {
        "named": [person for person in everyone if person.name],
        "unnamed": [person for person in everyone if not person.name],
        "show_hidden": show_hidden,
        "hidden_count": 0 if show_hidden else Person.objects.of(request.user).with_photos().filter(hidden=True).count(),
    }
    return render(request, "analysis/people.html", ctx)


@login_required
@require_GET
def person_detail(request, pk):
    person = _person_of(request, pk)
    photos = Photo.objects.visible_to(request.user).filter(faces__person=person).distinct().newest_first()
    ctx = {
        "person": person,
        "page": page_of(request, photos),
        "name_form": PersonNameForm(initial={"name": person.name}),
        "merge_form": PersonMergeForm(person=person),
        "target_albums": request.user.albums.to_choose_from(),
    }
    return render(request, "analysis/person.html", ctx)


@login_required
@require_GET
def person_faces(request, pk):
    """Every face in this person, to take out the ones that are someone else."""
    person = _person_of(request, pk)
    faces = person.faces.live().select_related("photo").order_by("-photo__sort_at", "pk")
    ctx = {"person": person, "page": page_of(request, faces), "move_form": FaceMoveForm(owner=request.user, exclude=person)}
    return render(request, "analysis/person_faces.html", ctx)


@login_required
@require_POST
def person_rename(request, pk):
    person = _person_of(request, pk)
    form = PersonNameForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect(person)
    kept = people.person_rename(person=person, name=form.cleaned_data["name"])
    if kept.pk != person.pk:
        messages.success(request, f"{kept.name} already existed: the two are now one person.")
    else:
        messages.success(request, f"Renamed to {kept.display_name}." if kept.name else "The name is removed.")
    return redirect(kept)


@login_required
@require_POST
def person_merge(request, pk):
    person = _person_of(request, pk)
    form = PersonMergeForm(request.POST, person=person)
    if not form.is_valid():
        messages.error(request, "Choose the person to merge with.")
        return redirect(person)
    target = people.person_merge(source=person, target=form.cleaned_data["into"])
    messages.success(request, f"Merged into {target.display_name}.")
    return redirect(target)


@login_required
@require_POST
def person_hide(request, pk):
    person = _person_of(request, pk)
    hidden = request.POST.get("hidden") == "1"
    people.person_set_hidden(person=person, hidden=hidden)
    messages.success(request, f"{person.display_name} is {'hidden from' if hidden else 'back on'} the people page.")
    return redirect(person)


@login_required
@require_GET
def face_crop(request, pk):
    face = _face_of(request, pk)
    if not face.crop:
        raise Http404("This face has no picture.")
    return stored_file_response(face.crop, content_type="image/jpeg")


@login_required
@require_POST
def face_name(request, pk):
    """"Who is this?" from the photo page: a name typed for one face."""
    face = _face_of(request, pk)
    form = PersonNameForm(request.POST, required=True)
    if not form.is_valid():
        message_form_errors(request, form)
    else:
        person = people.face_name(face=face, name=form.cleaned_data["name"])
        messages.success(request, f"Named {person.display_name}.")
    return _back(request, face.photo)


@login_required
@require_POST
def face_move(request, pk):
    """"Not this person": the face moves to another person, or to a new one of its own."""
    face = _face_of(request, pk)
    form = FaceMoveForm(request.POST, owner=request.user, exclude=face.person)
    if not form.is_valid():
        messages.error(request, "Choose who this is instead, or a new person.")
        return _back(request, face.photo)
    previous = face.person
    target = people.face_move(face=face, to=form.cleaned_data["to"], name=form.cleaned_data["name"])
    was = f" from {previous.display_name}" if previous else ""
    messages.success(request, f"Moved the face{was} to {target.name or 'a new person'}.")
    return _back(request, face.photo)
