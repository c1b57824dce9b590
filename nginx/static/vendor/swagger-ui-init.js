// Starts Swagger UI on /api/docs (the page is served by the app: backend/app/api/docs.py).
// A file, not an inline script, so the page's CSP needs no 'unsafe-inline'.
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
