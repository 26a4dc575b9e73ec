/*
 * map.js — the Leaflet side of the page: the basemap, the commune boundaries and their names, the
 * search area and the places: one numbered marker per place, or — when the answer holds many
 * places — clusters (npm supercluster, served at /vendor/supercluster/) where markers would
 * overlap. Only what the view shows is in the DOM, so 10,000 places pan as smoothly as 50. A
 * cluster is a button (« 12 lieux — zoomer ») that zooms in until its places come apart. It knows
 * nothing about the list or the API; app.js ties them together through the callbacks given to
 * PlaceMap. Every server string reaches the DOM through textContent or DOM nodes, never as HTML
 * (the tile attribution is sanitised first).
 */
import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import '/vendor/supercluster/supercluster.min.js';   /* UMD: defines globalThis.Supercluster */

import { sanitizeAttribution } from './format.js';

const REDUCED_MOTION = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const MAX_ZOOM = 19;
/* Answers of up to CLUSTER_FROM - 1 places keep one marker per place; larger ones are
 * clustered up to CLUSTER_MAX_ZOOM (beyond it every place has its own marker). */
const CLUSTER_FROM = 200;
const CLUSTER_MAX_ZOOM = 16;
const CLUSTER_RADIUS = 80;             /* pixels: clusters far enough apart to tap (24 px targets) */
const REINDEX_MS = 300;                /* while pages arrive, the clusters are redone at most this often */
const COUNT = new Intl.NumberFormat('fr-FR');
/* Marker stacking: place 1 over place 2 over …; the selected one over all (Leaflet adds the
 * marker's pixel row, so steps of 1000). */
const Z_TOP = 1000 * 20001;
const zIndexOf = (number) => 1000 * Math.max(1, 20000 - number);

function clusterIcon(count) {
  const el = document.createElement('span');
  el.className = 'cluster-pin';
  el.setAttribute('aria-hidden', 'true');
  el.textContent = count >= 10000 ? `${Math.floor(count / 1000)}k` : String(count);
  const size = count < 100 ? 30 : count < 1000 ? 34 : 40;
  return L.divIcon({ html: el, className: 'cluster', iconSize: [size, size] });
}

function markerIcon(number) {
  const el = document.createElement('span');
  el.className = 'marker-pin';
  el.setAttribute('aria-hidden', 'true');
  el.textContent = String(number);
  return L.divIcon({
    html: el,
    className: 'marker',
    iconSize: [30, 30],
    iconAnchor: [15, 15],
    popupAnchor: [0, -14],
  });
}

/*
 * A map of places. Callbacks (all optional):
 *   onMapClick(lat, lon)   the map itself was clicked (not a marker or a popup)
 *   onMarkerClick(id)      a marker was clicked; its popup is opening
 *   onPopupClose(id, hadFocus)  the popup of place id was closed; hadFocus tells whether the
 *                          keyboard focus was inside it (it must then go somewhere useful)
 *   onViewChange()         the user moved or zoomed the map (not a move made by this class,
 *                          nor the automatic pan that shows an opening card)
 *   onTilesError()         a basemap tile could not load (once; the communes stay drawn)
 */
export class PlaceMap {
  constructor(container, mapConfig, callbacks = {}) {
    this.callbacks = callbacks;
    this.markers = new Map();          /* place id -> { feature, number, latlng, marker|null } */
    this.shown = null;                 /* what renderView put on the map (see setPlaces) */
    this.features = [];
    this.index = null;                 /* the supercluster index of a large answer, or null */
    this.selectedId = null;
    this.quietMoves = 0;               /* moves started here: no onViewChange for them */
    this.popupOpen = false;
    const center = Array.isArray(mapConfig.center) ? mapConfig.center : [46.6, 2.4];
    this.map = L.map(container, {
      center: [Number(center[0]), Number(center[1])],
      zoom: Number.isInteger(mapConfig.zoom) ? mapConfig.zoom : 11,
      maxZoom: MAX_ZOOM,
      zoomControl: false,
      keyboard: true,
      zoomAnimation: !REDUCED_MOTION,
      fadeAnimation: !REDUCED_MOTION,
      markerZoomAnimation: !REDUCED_MOTION,
    });
    L.control.zoom({ zoomInTitle: 'Zoom avant', zoomOutTitle: 'Zoom arrière' }).addTo(this.map);
    L.control.scale({ imperial: false }).addTo(this.map);
    this.map.attributionControl.setPrefix(
      '<a href="https://leafletjs.com" hreflang="en" rel="noopener">Leaflet</a>');

    if (typeof mapConfig.tiles_url === 'string' && mapConfig.tiles_url !== '') {
      const tiles = L.tileLayer(mapConfig.tiles_url, {
        attribution: sanitizeAttribution(mapConfig.tiles_attribution || ''),
        maxZoom: 19,
        crossOrigin: false,
      }).addTo(this.map);
      /* Tiles that cannot load (no network, server down): the communes' outlines and names stay
       * the backdrop; the page says so once (onTilesError). */
      tiles.once('tileerror', () => {
        container.classList.add('tiles-failed');
        if (this.callbacks.onTilesError)
          this.callbacks.onTilesError();
      });
    } else {
      container.classList.add('no-basemap');
    }

    /* Commune names under the markers (tooltips are above them by default). */
    this.map.createPane('communeLabels').style.zIndex = '450';
    this.communes = L.layerGroup().addTo(this.map);
    this.searchArea = L.layerGroup().addTo(this.map);
    this.places = L.layerGroup().addTo(this.map);

    this.map.on('click', (e) => {
      if (this.callbacks.onMapClick)
        this.callbacks.onMapClick(e.latlng.lat, e.latlng.lng);
    });
    this.map.on('popupopen', (e) => {
      this.popupOpen = true;
      this.onPopupOpen(e.popup);
    });
    this.map.on('moveend', () => {
      this.renderView();
      if (this.quietMoves > 0) {
        this.quietMoves -= 1;
        return;
      }
      if (!this.popupOpen && this.callbacks.onViewChange)
        this.callbacks.onViewChange();
    });
    this.map.on('popupclose', (e) => {
      this.popupOpen = false;
      const id = e.popup.placeId;
      const el = e.popup.getElement();
      /* Without fade animation the popup is already gone and the focus fell back to <body>. */
      const active = document.activeElement;
      const hadFocus = Boolean((el && el.contains(active)) || !active || active === document.body);
      if (id && this.callbacks.onPopupClose)
        this.callbacks.onPopupClose(id, hadFocus);
    });
  }

  /* Leaflet's popup is not translated and only closes on Escape when the map itself has the
   * focus: give its close button a French name and let Escape work from inside the popup. */
  onPopupOpen(popup) {
    const el = popup.getElement();
    if (!el)
      return;
    const close = el.querySelector('.leaflet-popup-close-button');
    if (close) {
      close.setAttribute('aria-label', 'Fermer la fiche');
      close.setAttribute('title', 'Fermer la fiche');
    }
    if (!el.dataset.escapeBound) {
      el.dataset.escapeBound = '1';
      el.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape') {
          ev.preventDefault();
          ev.stopPropagation();
          this.map.closePopup();
        }
      });
    }
  }

  center() {
    const c = this.map.getCenter();
    return { lat: c.lat, lon: c.lng };
  }

  /* The visible area as [minlon, minlat, maxlon, maxlat], clamped to valid coordinates. */
  bounds() {
    const b = this.map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
            clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)];
  }

  /* Centres the map on a point (at least at zoom), without an onViewChange. */
  moveTo(lat, lon, zoom) {
    const z = Math.max(this.map.getZoom(), zoom || 0);
    const here = this.map.getCenter();
    if (here.distanceTo([lat, lon]) < 1 && z === this.map.getZoom())
      return;
    this.quietMoves += 1;
    this.map.setView([lat, lon], z, { animate: !REDUCED_MOTION });
  }

  /* Light boundaries of the member communes, their names as permanent labels (readable without
   * the basemap). Features without geometry (no boundary imported) are skipped. */
  setCommunes(featureCollection) {
    this.communes.clearLayers();
    const features = (featureCollection && Array.isArray(featureCollection.features))
      ? featureCollection.features.filter((f) => f && f.geometry) : [];
    if (features.length === 0)
      return 0;
    const layer = L.geoJSON({ type: 'FeatureCollection', features }, {
      style: () => ({ className: 'commune-boundary', weight: 1.5, fill: true, fillOpacity: 0.04 }),
      onEachFeature: (feature, lyr) => {
        const name = feature.properties && feature.properties.name;
        if (typeof name === 'string' && name !== '') {
          const tip = document.createElement('span');
          tip.textContent = name;
          lyr.bindTooltip(tip, { permanent: true, direction: 'center', className: 'commune-label',
                            pane: 'communeLabels' });
        }
      },
    });
    this.communes.addLayer(layer);
    layer.bringToBack();
    this.declutterLabels();
    if (!this.labelsBound) {
      this.labelsBound = true;
      this.map.on('zoomend', () => this.declutterLabels());
    }
    /* Chromium puts SVG shapes with focus listeners (Leaflet's tooltips add some) in the Tab order:
     * one stop per commune before the list. The boundaries are a backdrop, so take them out. */
    layer.eachLayer((lyr) => {
      const el = lyr.getElement && lyr.getElement();
      if (el)
        el.setAttribute('tabindex', '-1');
    });
    return features.length;
  }

  /* Commune names that would overlap an already shown one are hidden (class is-hidden), larger
   * communes first; run again at each zoom. */
  declutterLabels() {
    const shown = [];
    const labels = [];
    this.communes.eachLayer((group) => group.eachLayer && group.eachLayer((lyr) => {
      const tip = lyr.getTooltip && lyr.getTooltip();
      const el = tip && tip.getElement();
      if (el)
        labels.push({ el, size: lyr.getBounds().getNorthEast().distanceTo(lyr.getBounds().getSouthWest()) });
    }));
    labels.sort((a, b) => b.size - a.size);
    for (const { el } of labels) {
      el.classList.remove('is-hidden');
      const r = el.getBoundingClientRect();
      const overlaps = shown.some((o) => r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top);
      if (overlaps)
        el.classList.add('is-hidden');
      else
        shown.push(r);
    }
  }

  /* No circle (a search in the visible area). */
  clearSearchArea() {
    this.searchArea.clearLayers();
  }

  /* The circle searched last, so that what the list shows has a visible extent. */
  setSearchArea(lat, lon, radius) {
    this.searchArea.clearLayers();
    L.circle([lat, lon], { radius, interactive: false, className: 'search-area', weight: 2,
                           fill: false }).addTo(this.searchArea);
    L.circleMarker([lat, lon], { radius: 4, interactive: false, className: 'search-centre',
                                 weight: 2, fillOpacity: 1 }).addTo(this.searchArea);
  }

  /*
   * Replaces the places by features, numbered 1..n in the given order (the list's order).
   * renderPopup(feature) returns the popup's DOM content, or a promise of it (a placeholder
   * shows meanwhile); it is called when the popup opens. Returns the number of places.
   */
  setPlaces(features, renderPopup) {
    this.map.closePopup();
    this.places.clearLayers();
    this.shown = new Map();            /* key ('c<cluster>' or place id) -> marker on the map */
    this.markers = new Map();          /* place id -> { feature, number, latlng, marker|null } */
    this.features = [];
    this.renderPopup = renderPopup;
    this.selectedId = null;
    this.index = null;
    clearTimeout(this.reindexTimer);
    this.reindexTimer = null;
    this.reindexedAt = 0;
    this.appendPlaces(features);
    return this.markers.size;
  }

  /* Adds features after those already shown (the next pages of the same answer), numbered on;
   * an open card stays open. */
  appendPlaces(features) {
    for (const feature of features) {
      const coords = feature.geometry && feature.geometry.coordinates;
      if (!Array.isArray(coords) || coords.length < 2)
        continue;
      const id = String(feature.id);
      if (this.markers.has(id))
        continue;
      this.features.push(feature);
      this.markers.set(id, { feature, number: this.features.length, marker: null,
                             latlng: L.latLng(coords[1], coords[0]) });
    }
    /* pages come every few tens of milliseconds: redo the clusters at most every REINDEX_MS */
    const wait = this.reindexedAt + REINDEX_MS - performance.now();
    if (wait <= 0)
      this.flush();
    else if (!this.reindexTimer)
      this.reindexTimer = setTimeout(() => this.flush(), wait);
  }

  /* Clusters and markers of every place received so far, now. */
  flush() {
    clearTimeout(this.reindexTimer);
    this.reindexTimer = null;
    this.reindexedAt = performance.now();
    this.index = null;
    if (this.features.length >= CLUSTER_FROM) {
      this.index = new globalThis.Supercluster({ radius: CLUSTER_RADIUS, maxZoom: CLUSTER_MAX_ZOOM });
      this.index.load(this.features.map((f, i) => ({
        type: 'Feature', geometry: f.geometry, properties: { i } })));
    }
    this.renderView();
  }

  markerCount() {
    return this.markers.size;
  }

  /* What the view shows now: clusters and places inside the view (and a margin around it). */
  visibleItems() {
    if (!this.index)                   /* a small answer: every place, in or out of view */
      return [...this.markers.keys()].map((id) => ({ key: id, id }));
    const b = this.map.getBounds().pad(0.2);
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    const box = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -85, 85),
                 clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -85, 85)];
    const zoom = Math.round(this.map.getZoom());
    /* a cluster's key is what it shows: an unchanged cluster keeps its marker across re-indexing */
    return this.index.getClusters(box, zoom).map((c) => (c.properties.cluster
      ? { key: `c${zoom}:${c.properties.point_count}@${c.geometry.coordinates.join(',')}`, cluster: c }
      : { key: String(this.features[c.properties.i].id), id: String(this.features[c.properties.i].id) }));
  }

  /* Puts on the map what the view shows, takes off what it no longer shows (DOM kept small). */
  renderView() {
    if (!this.shown)
      return;
    const next = new Map();
    for (const item of this.visibleItems()) {
      let marker = this.shown.get(item.key);
      if (!marker) {
        marker = item.cluster ? this.clusterMarker(item.cluster) : this.placeMarker(item.id);
        marker.addTo(this.places);
      } else if (item.cluster) {
        marker.cluster = item.cluster;   /* its id in the current index */
      }
      next.set(item.key, marker);
    }
    for (const [key, marker] of this.shown)
      if (!next.has(key))
        this.places.removeLayer(marker);
    this.shown = next;
  }

  /* A cluster: a button that zooms in until its places come apart. */
  clusterMarker(cluster) {
    const [lon, lat] = cluster.geometry.coordinates;
    const count = cluster.properties.point_count;
    const label = `${COUNT.format(count)} lieux — zoomer`;
    const marker = L.marker([lat, lon], { icon: clusterIcon(count), keyboard: true, title: label,
                                          zIndexOffset: Z_TOP });
    marker.cluster = cluster;
    const expand = () => {
      const el = marker.getElement();
      const hadFocus = Boolean(el && el.contains(document.activeElement));
      const zoom = Math.min(this.index.getClusterExpansionZoom(marker.cluster.properties.cluster_id),
                            MAX_ZOOM);
      this.map.once('moveend', () => {
        if (hadFocus)
          this.focusAfterExpand(L.latLng(lat, lon));
      });
      this.map.setView([lat, lon], zoom, { animate: !REDUCED_MOTION });
    };
    marker.on('click', expand);
    marker.on('add', () => {
      const el = marker.getElement();
      el.setAttribute('aria-label', label);
      el.dataset.count = String(count);
      el.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          ev.stopPropagation();
          expand();
        }
      });
    });
    return marker;
  }

  /* After a cluster opened by keyboard: focus the nearest cluster it came apart into, else the
   * map (its places are in the list; the arrows pan, + and − zoom). */
  focusAfterExpand(at) {
    let best = null;
    let bestDist = Infinity;
    for (const marker of this.shown.values()) {
      const el = marker.getElement();
      if (!el || !el.classList.contains('cluster'))
        continue;
      const d = at.distanceTo(marker.getLatLng());
      if (d < bestDist) {
        best = el;
        bestDist = d;
      }
    }
    (best || this.map.getContainer()).focus({ preventScroll: true });
  }

  /* The numbered marker of one place, made once and kept. */
  placeMarker(id) {
    const entry = this.markers.get(id);
    if (entry.marker)
      return entry.marker;
    const { feature, number } = entry;
    const props = feature.properties || {};
    const marker = L.marker(entry.latlng, {
      icon: markerIcon(number),
      keyboard: false,                   /* the list is the keyboard path to every place */
      title: typeof props.name === 'string' ? props.name : '',
      riseOnHover: true,
      riseOffset: Z_TOP,
      /* nearer places are drawn over farther ones that overlap them */
      zIndexOffset: zIndexOf(number),
    });
    if (this.renderPopup) {              /* without it, onMarkerClick shows the place elsewhere */
      marker.bindPopup(() => this.popupContent(marker, feature),
                       { maxWidth: 320, minWidth: 220, autoPanPadding: [24, 24] });
      marker.getPopup().placeId = id;
    }
    marker.on('click', () => {
      this.highlight(id);
      if (this.callbacks.onMarkerClick)
        this.callbacks.onMarkerClick(id);
    });
    marker.on('add', () => {
      const el = marker.getElement();
      el.dataset.placeId = id;           /* ties the marker to its list item */
      el.classList.toggle('is-selected', id === this.selectedId);
    });
    entry.marker = marker;
    return marker;
  }

  /* The card: renderPopup's node, or a placeholder replaced when its promise settles. */
  popupContent(marker, feature) {
    const content = this.renderPopup(feature);
    if (!content || typeof content.then !== 'function')
      return content;
    const box = document.createElement('div');
    box.className = 'place-card-loading';
    box.textContent = 'Chargement de la fiche…';
    this.pendingCard = content.then((node) => {
      marker.setPopupContent(node);    /* the card itself from now on (no second fetch) */
    }, () => {
      box.textContent = 'La fiche n’a pas pu être chargée.';
    });
    return box;
  }

  /* Marks one marker as selected (another colour, drawn on top); null clears. */
  highlight(id) {
    if (this.selectedId && this.markers.has(this.selectedId)) {
      const prev = this.markers.get(this.selectedId);
      const el = prev.marker && prev.marker.getElement();
      if (el)
        el.classList.remove('is-selected');
      if (prev.marker)
        prev.marker.setZIndexOffset(zIndexOf(prev.number));
    }
    this.selectedId = null;
    if (id && this.markers.has(id)) {
      const cur = this.placeMarker(id);
      const el = cur.getElement();
      if (el)
        el.classList.add('is-selected');
      cur.setZIndexOffset(Z_TOP);
      this.selectedId = id;
    }
  }

  /* The lowest zoom, from the current one, at which the place has its own marker. */
  zoomToSeparate(id, latlng) {
    let zoom = Math.round(this.map.getZoom());
    if (!this.index)
      return zoom;
    const d = 1e-6;
    const box = [latlng.lng - d, latlng.lat - d, latlng.lng + d, latlng.lat + d];
    for (; zoom <= CLUSTER_MAX_ZOOM; zoom++) {
      const alone = this.index.getClusters(box, zoom).some(
        (c) => !c.properties.cluster && String(this.features[c.properties.i].id) === id);
      if (alone)
        return zoom;
    }
    return CLUSTER_MAX_ZOOM + 1;
  }

  /*
   * Shows the place's marker (zooming in when it is inside a cluster) and opens its popup.
   * Returns a promise resolved with the popup's element once it is open (and its card loaded),
   * or null when the id has no marker.
   */
  openPlace(id) {
    const entry = this.markers.get(id);
    if (!entry)
      return Promise.resolve(null);
    const target = entry.latlng;
    const zoom = this.zoomToSeparate(id, target);
    return new Promise((resolve) => {
      const open = async () => {
        this.renderView();
        this.highlight(id);
        const marker = this.placeMarker(id);
        if (!this.places.hasLayer(marker)) {
          marker.addTo(this.places);
          this.shown.set(id, marker);
        }
        if (!marker.getPopup()) {        /* the page shows the card elsewhere: only pan */
          resolve(null);
          return;
        }
        this.pendingCard = null;
        marker.openPopup();
        if (this.pendingCard)
          await this.pendingCard;
        const popup = marker.getPopup();
        resolve(popup && popup.isOpen() ? popup.getElement() : null);
      };
      const here = this.map.getCenter();
      if (here.distanceTo(target) < 1 && zoom === this.map.getZoom()) {
        open();
        return;
      }
      this.map.once('moveend', open);
      this.quietMoves += 1;
      if (zoom === this.map.getZoom())
        this.map.panTo(target, { animate: !REDUCED_MOTION, duration: 0.4 });
      else
        this.map.setView(target, zoom, { animate: !REDUCED_MOTION });
    });
  }
}
