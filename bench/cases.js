// The case registry. A case is one request shape measured against one target at every
// connection count. Fields:
//   id        unique name, shown in the table; select with BENCH_CASES=id,id
//   target    a key of TARGETS (bench/targets.js)
//   floor     optional id of the case this one is compared with at the same connection
//             count (ratios in the table); floors are pulled in automatically
//   optIn     true: only runs when named in BENCH_CASES (slow or heavy cases)
//   prepare   async (target) => autocannon options ({ method, path, headers, body } or
//             { requests: [...] }). Runs once, before the first connection count: seed
//             data here (e.g. 10k sessions through the API) and mint keys with
//             target.apiKey().
//   expect    status the first request must answer before measuring (default 200)
//
// Example for later work (needs the sessions module, and rate limits raised on a
// dedicated target or the 429s will dominate):
//   { id: 'sessions:create', target: 'passline', floor: 'floor:health', optIn: true,
//     prepare: async (t) => ({ method: 'POST', path: '/v1/sessions',
//       headers: { authorization: `Bearer ${await t.apiKey()}`, 'content-type': 'application/json' },
//       body: JSON.stringify({ share_fields: { age_over_18: { required: true, reason: 'Adult.' } } }) }) }

export const CASES = [
  {
    id: 'floor:health',
    target: 'floor-http',
    prepare: async () => ({ method: 'GET', path: '/health' }),
  },
  {
    id: 'health',
    target: 'passline',
    floor: 'floor:health',
    prepare: async () => ({ method: 'GET', path: '/health' }),
  },
];
