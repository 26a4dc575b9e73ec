/*
 * certificate.js — the certificat d'inscription's « Imprimer » button (the page is built by
 * the server, geoapi/backoffice/h_bo_certificate.c; the CSP forbids inline scripts).
 */
const button = document.getElementById('print');
if (button)
  button.addEventListener('click', () => window.print());
