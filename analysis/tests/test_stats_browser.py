"""The Stats page in a real browser (Debian's Chromium) against the site under gunicorn."""
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from albums.models import Album, AlbumPhoto
from analysis.models import PhotoTag, Tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT_PAINTED_PIXELS = """(canvas) => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
  return painted;
}"""


def test_every_chart_draws_and_a_tag_bar_leads_to_its_search(owner, add_photos, live_site, owner_page):
    photos = add_photos(owner, 4)
    dog = Tag.objects.create(name="dog")
    PhotoTag.objects.bulk_create([PhotoTag(photo=p, tag=dog, source="rekognition") for p in photos])
    album = Album.objects.create(owner=owner, title="Dogs")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in photos])
    call_command("recount", "--fix", stdout=io.StringIO())  # rows written directly: count them
    page = owner_page

    page.goto(f"{live_site}/stats/?range=all")

    canvases = page.locator("canvas[data-chart]")
    expected = canvases.count()
    assert expected >= 5  # every chart with data: tags, uploads, sources, albums, storage, analysis
    # (A locator, not wait_for_function: the page's Content-Security-Policy forbids eval.)
    expect(page.locator(".chart-card.drawn")).to_have_count(expected)
    page.wait_for_timeout(1200)  # let the entry animations finish painting
    for index in range(expected):
        canvas = canvases.nth(index)
        assert page.evaluate("(c) => Boolean(Chart.getChart(c))", canvas.element_handle())
        assert canvas.evaluate(COUNT_PAINTED_PIXELS) > 500, canvas.get_attribute("data-chart")

    bar = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector('canvas[data-chart="top_tags"]'));
          const bar = chart.getDatasetMeta(0).data[0];  // the middle of the first bar
          const box = chart.canvas.getBoundingClientRect();
          return { x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2 };
        }"""
    )
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url(f"{live_site}/search/?tag=dog")
    assert page.locator(".photo-grid li").count() == 4
