// Minimal Express webhook handler, the way Vonage's Node snippets verify a
// signed webhook: parse JSON, take the token after "Bearer", verifySignature
// with the signature secret. No payload_hash, iat window, jti or storage:
// that is all the SDK does (SPEC §1.7).
const express = require('express');
const { verifySignature } = require('@vonage/jwt');

const secret = process.env.BENCH_SECRET;
const port = Number(process.env.PORT || 0);
const app = express();
app.use(express.json());
app.post('/webhooks/event', (req, res) => {
  const token = (req.headers.authorization || '').split(' ')[1];
  let ok = false;
  try { ok = verifySignature(token, secret); } catch (e) { ok = false; }
  res.sendStatus(ok ? 200 : 401);
});
const server = app.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${server.address().port}` }));
});
