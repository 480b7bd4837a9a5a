// A real OpenID provider (the npm package oidc-provider) standing in for ROeID in tests: ROeID's claims, test
// accounts, our clients, and a signing key the tests know (so they can also forge tokens with the real key).
// Usage: node roeid_provider.mjs CONFIG.json   (issuer, port, clients, jwks, accounts); prints "ready" when up.
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ['roeid-test-cookie-key'] },
  // ROeID's claims: nume, prenume, cnp, email, telefon and the OIDC address object.
  claims: {
    openid: ['sub'],
    profile: ['nume', 'prenume', 'cnp', 'name'],
    email: ['email', 'email_verified'],
    phone: ['telefon', 'phone_number'],
    address: ['address'],
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, sub) {
    const claims = accounts[sub];
    if (!claims) return undefined;
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
});

// The forms of the dev interactions and the logout page post back to the provider itself.
provider.proxy = false;
const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
