// An independent OpenID Connect provider on 127.0.0.1 (oauth2-mock-server, not written for
// sophie), signing ID tokens with a key of the algorithm given: `node provider.mjs PORT ALG`.
// The person signing in is its default `sub` with the claims set below.
import { OAuth2Server } from 'oauth2-mock-server';

const [port, alg] = [Number(process.argv[2]), process.argv[3] ?? 'RS256'];
const server = new OAuth2Server();
await server.issuer.keys.generate(alg);
server.service.on('beforeTokenSigning', (token) => {
  token.payload.email = 'ada@example.org';
  token.payload.email_verified = true;
  token.payload.name = 'Ada Lovelace';
});
await server.start(port, '127.0.0.1');
// The issuer as sophie is configured with it (the default names `localhost`).
server.issuer.url = `http://127.0.0.1:${port}`;
console.log(`provider ${server.issuer.url} signing ${alg}`);
