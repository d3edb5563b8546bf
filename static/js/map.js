// The map page: every photo with a location as a marker, clustered where they crowd, each
// opening a small card with its thumbnail. The markers come from data-photos-url; the tiles
// from data-tiles-url, and when they fail to load (offline, blocked) the markers still show.
document.addEventListener("DOMContentLoaded", async () => {
  const element = document.getElementById("photo-map");
  if (!element || !window.L) return;
  const map = L.map(element, { worldCopyJump: true }).setView([20, 0], 2);
  if (element.dataset.tilesUrl) {
    L.tileLayer(element.dataset.tilesUrl, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
  }
  const response = await fetch(element.dataset.photosUrl, { credentials: "same-origin" });
  if (!response.ok) return;
  const { scale, points } = await response.json(); // [id, latitude, longitude, id, ...] × scale
  const link = (template, id) => template.replace(/\/0\//, `/${id}/`);
  const clusters = L.markerClusterGroup({ showCoverageOnHover: false });
  for (let i = 0; i < points.length; i += 3) {
    const [id, latitude, longitude] = [points[i], points[i + 1] / scale, points[i + 2] / scale];
    const card = document.createElement("a");
    card.href = link(element.dataset.photoUrl, id);
    card.className = "map-card";
    const image = document.createElement("img");
    image.src = link(element.dataset.thumbnailUrl, id);
    image.alt = "";
    image.width = image.height = 120;
    image.loading = "lazy";
    const caption = document.createElement("span");
    caption.textContent = "Open photo";
    card.append(image, caption);
    clusters.addLayer(
      L.circleMarker([latitude, longitude], { radius: 7, weight: 2, color: "#fff", fillColor: "#4f46e5", fillOpacity: 0.9 })
        .bindPopup(card),
    );
  }
  map.addLayer(clusters);
  if (points.length) map.fitBounds(clusters.getBounds(), { maxZoom: 13, padding: [30, 30] });
});
