// A CommonJS service that keeps a user's settings in ZITADEL metadata.
//   GET /users/:id/metadata        -> {"key":"text value",...}
//   PUT /users/:id/metadata/:key   (text body) -> 204
// Config: ZITADEL_URL, ZITADEL_TOKEN (a PAT), PORT (0 picks a free one).
const express = require("express");
const { accessToken, createMetadataClient, createZitadelTransport, isMetadataNotFound, isUserNotFound, ZitadelError } = require("zitadel-metadata");

const baseUrl = process.env.ZITADEL_URL;
const token = process.env.ZITADEL_TOKEN;
if (!baseUrl || !token) {
  console.error("set ZITADEL_URL (e.g. https://acme.zitadel.cloud) and ZITADEL_TOKEN (a personal access token)");
  process.exit(2);
}
const md = createMetadataClient(createZitadelTransport({ baseUrl, protocol: "grpc", auth: accessToken(token) }));

const app = express();
app.use(express.text({ type: "*/*" }));

app.get("/users/:id/metadata", async (req, res, next) => {
  try {
    const entries = await md.user(req.params.id).list().toObject();
    res.json(Object.fromEntries(Object.entries(entries).map(([key, entry]) => [key, entry.text()])));
  } catch (error) {
    next(error);
  }
});

app.put("/users/:id/metadata/:key", async (req, res, next) => {
  try {
    await md.user(req.params.id).set(req.params.key, String(req.body ?? ""));
    res.status(204).end();
  } catch (error) {
    next(error);
  }
});

// ZITADEL's answers become HTTP statuses; the message never carries the token.
app.use((error, _req, res, _next) => {
  const status = isUserNotFound(error) || isMetadataNotFound(error) ? 404 : error instanceof ZitadelError && error.code === 3 ? 400 : 502;
  res.status(status).json({ error: error instanceof Error ? error.message : String(error) });
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close());
