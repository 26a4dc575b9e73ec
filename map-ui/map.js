/*
 * map.js — the Leaflet side of the page: the basemap, the commune boundaries and their names, the
 * search area and one numbered marker per place. It knows nothing about the list or the API;
 * app.js ties them together through the callbacks given to createPlaceMap(). Every server string
 * reaches the DOM through textContent or DOM nodes, never as HTML (the tile attribution is
 * sanitised first).
 */
import * as L from '/vendor/leaflet/leaflet-src.esm.js';

import { sanitizeAttribution } from './format.js';

const REDUCED_MOTION = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

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
    this.markers = new Map();          /* place id -> { marker, number, zIndexOffset } */
    this.selectedId = null;
    this.quietMoves = 0;               /* moves started here: no onViewChange for them */
    this.popupOpen = false;
    const center = Array.isArray(mapConfig.center) ? mapConfig.center : [46.6, 2.4];
    this.map = L.map(container, {
      center: [Number(center[0]), Number(center[1])],
      zoom: Number.isInteger(mapConfig.zoom) ? mapConfig.zoom : 11,
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
   * Replaces the markers by one per feature, numbered 1..n in the given order (the list's order).
   * renderPopup(feature) returns the popup's DOM content; it is called when the popup opens.
   */
  setPlaces(features, renderPopup) {
    this.map.closePopup();
    this.places.clearLayers();
    this.markers.clear();
    this.selectedId = null;
    features.forEach((feature, i) => {
      const coords = feature.geometry && feature.geometry.coordinates;
      if (!Array.isArray(coords) || coords.length < 2)
        return;
      const id = String(feature.id);
      const number = i + 1;
      const props = feature.properties || {};
      const marker = L.marker([coords[1], coords[0]], {
        icon: markerIcon(number),
        keyboard: false,                 /* the list is the keyboard path to every place */
        title: typeof props.name === 'string' ? props.name : '',
        riseOnHover: true,
        riseOffset: 1000 * (features.length + 2),
        /* nearer places are drawn over farther ones that overlap them */
        zIndexOffset: (features.length - i) * 1000,
      });
      if (renderPopup) {             /* without it, onMarkerClick shows the place elsewhere */
        marker.bindPopup(() => renderPopup(feature), { maxWidth: 320, minWidth: 220, autoPanPadding: [24, 24] });
        marker.getPopup().placeId = id;
      }
      marker.on('click', () => {
        this.highlight(id);
        if (this.callbacks.onMarkerClick)
          this.callbacks.onMarkerClick(id);
      });
      marker.addTo(this.places);
      marker.getElement().dataset.placeId = id;   /* ties the marker to its list item */
      this.markers.set(id, { marker, number, zIndexOffset: (features.length - i) * 1000 });
    });
    return this.markers.size;
  }

  markerCount() {
    return this.markers.size;
  }

  /* Marks one marker as selected (another colour, drawn on top); null clears. */
  highlight(id) {
    if (this.selectedId && this.markers.has(this.selectedId)) {
      const prev = this.markers.get(this.selectedId);
      const el = prev.marker.getElement();
      if (el)
        el.classList.remove('is-selected');
      prev.marker.setZIndexOffset(prev.zIndexOffset);
    }
    this.selectedId = null;
    if (id && this.markers.has(id)) {
      const cur = this.markers.get(id).marker;
      const el = cur.getElement();
      if (el)
        el.classList.add('is-selected');
      cur.setZIndexOffset(1000 * (this.markers.size + 1));
      this.selectedId = id;
    }
  }

  /*
   * Pans to the place's marker and opens its popup. Returns a promise resolved with the popup's
   * element once it is open, or null when the id has no marker.
   */
  openPlace(id) {
    const entry = this.markers.get(id);
    if (!entry)
      return Promise.resolve(null);
    this.highlight(id);
    const target = entry.marker.getLatLng();
    return new Promise((resolve) => {
      const open = () => {
        if (!entry.marker.getPopup()) {
          resolve(null);
          return;
        }
        entry.marker.openPopup();
        const popup = entry.marker.getPopup();
        resolve(popup && popup.isOpen() ? popup.getElement() : null);
      };
      const here = this.map.getCenter();
      if (here.distanceTo(target) < 1) {
        open();
        return;
      }
      this.map.once('moveend', open);
      this.quietMoves += 1;
      this.map.panTo(target, { animate: !REDUCED_MOTION, duration: 0.4 });
    });
  }
}
