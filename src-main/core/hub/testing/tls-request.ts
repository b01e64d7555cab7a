/**
 * Child-process helper for the HTTPS-through-proxy test: the parent starts it with
 * NODE_EXTRA_CA_CERTS (trust is fixed at process start) and HTTPS_PROXY, and reads one JSON line.
 */
import { isDeskError } from '../../errors';
import { hubRequest, readBody } from '../http-client';

const url = new URL(process.argv[2]);
try {
  const { res } = await hubRequest(url, { endpoint: url.origin, env: process.env, token: 'hf_tls' });
  console.log(JSON.stringify({ status: res.statusCode, body: await readBody(res) }));
} catch (err) {
  console.log(JSON.stringify(isDeskError(err) ? { code: err.code, message: err.message } : { message: String(err) }));
}
