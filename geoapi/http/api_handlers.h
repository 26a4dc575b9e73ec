/*
 * api_handlers.h — the handlers named by the route table (api_routes.c), one file each
 * (h_*.c). Contract: see api_handler_fn in api_router.h.
 */
#ifndef API_HANDLERS_H
#define API_HANDLERS_H

#include "api_router.h"

api_handler_fn h_health;            /* h_health.c */
api_handler_fn h_metrics;           /* metrics/h_metrics.c: Prometheus text format */
api_handler_fn h_territory;         /* h_territory.c */
api_handler_fn h_categories;        /* h_categories.c */
api_handler_fn h_communes;          /* h_communes.c */
api_handler_fn h_communes_geojson;  /* h_communes.c */
api_handler_fn h_places_search;     /* h_places.c */
api_handler_fn h_autocomplete;      /* h_autocomplete.c */
api_handler_fn h_place;             /* h_places.c */
api_handler_fn h_static;            /* h_static.c */
api_handler_fn h_page;              /* h_static.c: the resident's pages by a clean URL */
api_handler_fn h_commune_page;      /* h_static.c: /commune/<insee> */
api_handler_fn h_ogc_landing;       /* h_ogc_landing.c */
api_handler_fn h_ogc_conformance;   /* h_ogc_landing.c */
api_handler_fn h_ogc_api;           /* h_ogc_openapi.c */
api_handler_fn h_ogc_collections;   /* h_ogc_collections.c */
api_handler_fn h_ogc_collection;    /* h_ogc_collections.c */
api_handler_fn h_ogc_queryables;    /* h_ogc_schema.c */
api_handler_fn h_ogc_schema;        /* h_ogc_schema.c */
api_handler_fn h_ogc_schema_xsd;    /* h_ogc_schema.c */
api_handler_fn h_ogc_unknown;       /* h_ogc_landing.c */
api_handler_fn h_ogc_items;         /* h_ogc_items.c */
api_handler_fn h_ogc_item;          /* h_ogc_items.c */
api_handler_fn h_waste;             /* life/h_waste.c */
api_handler_fn h_waste_ics;         /* life/h_waste.c */
api_handler_fn h_geo_search;        /* h_geocode.c */
api_handler_fn h_geo_reverse;       /* h_geocode.c */
api_handler_fn h_geo_search_csv;    /* h_geocode_csv.c */
api_handler_fn h_geo_reverse_csv;   /* h_geocode_csv.c */
api_handler_fn h_catalog;           /* h_catalog.c: /catalog, by Accept */
api_handler_fn h_catalog_jsonld;    /* h_catalog.c */
api_handler_fn h_catalog_turtle;    /* h_catalog.c */
api_handler_fn h_catalog_rdfxml;    /* h_catalog.c */
api_handler_fn h_catalog_csv;       /* h_catalog.c: the SCDL "Catalogue simplifié" */
api_handler_fn h_export;            /* h_export.c */
api_handler_fn h_exports_list;      /* h_data.c */
api_handler_fn h_data_file;         /* h_data.c */
api_handler_fn h_forms_list;        /* forms/h_forms.c: the online procedures */
api_handler_fn h_form;              /* forms/h_forms.c */
api_handler_fn h_forms_csrf;        /* forms/h_forms.c */
api_handler_fn h_form_submit;       /* forms/h_submit.c */
api_handler_fn h_request_complement; /* forms/h_submit.c */
api_handler_fn h_request;           /* forms/h_requests.c */
api_handler_fn h_request_withdraw;  /* forms/h_requests.c */
api_handler_fn h_request_attachment; /* forms/h_requests.c */
api_handler_fn h_bo_login;          /* backoffice/h_bo_auth.c: the agents' back office */
api_handler_fn h_bo_logout;         /* backoffice/h_bo_auth.c */
api_handler_fn h_bo_logout_all;     /* backoffice/h_bo_auth.c */
api_handler_fn h_bo_me;             /* backoffice/h_bo_auth.c */
api_handler_fn h_bo_agents;         /* backoffice/h_bo_auth.c */
api_handler_fn h_bo_contribution;   /* backoffice/h_bo_contribution.c */
api_handler_fn h_bo_agents_post;    /* backoffice/h_bo_auth.c */
api_handler_fn h_bo_outbox;         /* backoffice/h_bo_rgpd.c: the outbox, RGPD (admins) */
api_handler_fn h_bo_register;       /* backoffice/h_bo_rgpd.c */
api_handler_fn h_bo_requester;      /* backoffice/h_bo_rgpd.c */
api_handler_fn h_bo_requester_erase; /* backoffice/h_bo_rgpd.c */
api_handler_fn h_bo_requests;       /* backoffice/h_bo_requests.c: the queue */
api_handler_fn h_bo_requests_csv;   /* backoffice/h_bo_requests.c */
api_handler_fn h_bo_requests_xlsx;  /* backoffice/h_bo_requests.c */
api_handler_fn h_bo_request;        /* backoffice/h_bo_request.c: a request's page */
api_handler_fn h_bo_request_attachment; /* backoffice/h_bo_request.c */
api_handler_fn h_bo_request_audit;  /* backoffice/h_bo_request.c */
api_handler_fn h_bo_request_audit_csv; /* backoffice/h_bo_request.c */
api_handler_fn h_bo_request_transition; /* backoffice/h_bo_actions.c */
api_handler_fn h_bo_request_comment; /* backoffice/h_bo_actions.c */
api_handler_fn h_bo_request_assign; /* backoffice/h_bo_actions.c */
api_handler_fn h_bo_views;          /* backoffice/h_bo_actions.c */
api_handler_fn h_bo_views_save;     /* backoffice/h_bo_actions.c */
api_handler_fn h_bo_request_certificate; /* backoffice/h_bo_certificate.c */
api_handler_fn h_events;            /* life/h_life.c: the daily life, public */
api_handler_fn h_event;             /* life/h_life.c */
api_handler_fn h_news;              /* life/h_life.c */
api_handler_fn h_alerts;            /* life/h_life.c */
api_handler_fn h_life_image;        /* life/h_life.c */
api_handler_fn h_bo_life_list;      /* life/h_bo_life.c: the daily life, back office */
api_handler_fn h_bo_life_create;    /* life/h_bo_life.c */
api_handler_fn h_bo_life_get;       /* life/h_bo_life.c */
api_handler_fn h_bo_life_update;    /* life/h_bo_life.c */
api_handler_fn h_bo_life_publish;   /* life/h_bo_life.c */
api_handler_fn h_bo_life_unpublish; /* life/h_bo_life.c */
api_handler_fn h_bo_life_image;     /* life/h_bo_life.c */
api_handler_fn h_bo_event_decision; /* life/h_bo_event.c: event proposals */
api_handler_fn h_events_ics;        /* life/h_feeds.c: the agenda as iCalendar */
api_handler_fn h_events_csv;        /* life/h_feeds.c: the agenda as open data (CSV) */
api_handler_fn h_news_atom;         /* life/h_feeds.c: news and alerts as Atom */
api_handler_fn h_news_rss;          /* life/h_feeds.c: news and alerts as RSS */

#endif
