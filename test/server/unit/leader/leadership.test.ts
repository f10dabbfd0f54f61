import { expect } from "chai";

import { PgElection } from "../../../../server/src/adapters/store/pgElection.js";
import { LOCKS, LOCK_CLASS, PgStore } from "../../../../server/src/adapters/store/pgStore.js";
import type { Chain } from "../../../../server/src/domain/ports.js";
import { isNotaryError } from "../../../../server/src/errors.js";
import { FencedChain } from "../../../../server/src/leader/fencedChain.js";
import { type Duty, Leadership, SoleInstance } from "../../../../server/src/leader/leadership.js";
import { TestPostgres } from "../../../helpers/postgres.js";
import { freePort } from "../../../helpers/processes.js";
import { TcpProxy } from "../../../helpers/tcpProxy.js";
import { eventually } from "../../../helpers/server.js";

/** A duty that records when it runs. */
class RecordingDuty implements Duty {
  running = false;
  starts = 0;
  start() {
    this.running = true;
    this.starts += 1;
  }
  async stop() {
    this.running = false;
  }
}

const quiet = { info() {}, warn() {}, error() {} };

/** A chain whose sends are counted (the fence must stop them before they get here). */
const countingChain = () => {
  const sent: string[] = [];
  const chain = { chainId: 1, genesisHash: "0x", registry: "0x", sendAnchor: async (root: string) => (sent.push(root), "0xtx") } as unknown as Chain;
  return { chain, sent };
};

describe("leader election on PostgreSQL (advisory lock, real server)", function () {
  this.timeout(60_000);
  let pg: TestPostgres;
  let url: string;
  let store: PgStore;
  const leaderships: Leadership[] = [];

  before(async function () {
    pg = await TestPostgres.start();
    url = await pg.database();
    store = await PgStore.open(url);
  });

  afterEach(async function () {
    await Promise.all(leaderships.splice(0).map((l) => l.stop()));
  });

  after(async function () {
    await store?.close();
    await pg?.stop();
  });

  const instance = (name: string) => {
    const election = new PgElection(url, name, store.pool);
    const duty = new RecordingDuty();
    const leadership = new Leadership({ election, duties: [duty], log: quiet, pollMs: 100 });
    leaderships.push(leadership);
    return { election, duty, leadership };
  };

  /** The server process that holds the leader lock (the session a kill would end). */
  const lockHolder = async () =>
    (await store.pool.query("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted", [LOCK_CLASS, LOCKS.leader])).rows[0] as { pid: number } | undefined;

  it("exactly one of several instances leads; all of them name it", async function () {
    const all = ["a", "b", "c"].map(instance);
    await Promise.all(all.map((i) => i.leadership.start()));
    const leading = all.filter((i) => i.leadership.leading);
    expect(leading).to.have.length(1);
    expect(all.filter((i) => i.duty.running).map((i) => i.election.instance)).to.deep.equal([leading[0]!.election.instance]);
    for (const i of all) expect(await i.election.leader()).to.equal(leading[0]!.election.instance);
  });

  it("the leader's database connection is cut: it stops its duties, another takes over within a second or two", async function () {
    const [a, b] = ["a", "b"].map(instance) as [ReturnType<typeof instance>, ReturnType<typeof instance>];
    await a.leadership.start();
    await b.leadership.start();
    expect([a.leadership.leading, b.leadership.leading]).to.deep.equal([true, false]);
    const cutAt = Date.now();
    await store.pool.query("SELECT pg_terminate_backend($1)", [(await lockHolder())!.pid]);
    await eventually(async () => b.leadership.leading && !a.leadership.leading, 10_000, "b to lead and a to stand down");
    const took = Date.now() - cutAt;
    expect(a.duty.running).to.equal(false);
    expect(b.duty.running).to.equal(true);
    expect(took).to.be.below(5_000);
    expect(await b.election.leader()).to.equal("b");
  });

  it("a leader that stops releases at once: a follower leads on its next round", async function () {
    const [a, b] = ["a", "b"].map(instance) as [ReturnType<typeof instance>, ReturnType<typeof instance>];
    await a.leadership.start();
    await b.leadership.start();
    await a.leadership.stop();
    expect(a.duty.running).to.equal(false);
    await eventually(async () => b.leadership.leading, 5_000, "b to lead");
    expect(b.duty.starts).to.equal(1);
  });

  it("fencing: a deposed leader sends no transaction, even before its next check notices", async function () {
    const a = instance("a");
    const b = instance("b");
    await a.leadership.start();
    const { chain, sent } = countingChain();
    const fenced = new FencedChain(chain, a.election);
    expect(await fenced.sendAnchor("0x01", 1)).to.equal("0xtx");
    await store.pool.query("SELECT pg_terminate_backend($1)", [(await lockHolder())!.pid]);
    await b.leadership.start(); // b wins the lock the moment a's session is gone
    let error: unknown;
    await fenced.sendAnchor("0x02", 1).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "NOT_LEADER"), String(error)).to.equal(true);
    expect(sent).to.deep.equal(["0x01"]);
  });

  it("a standby whose election connection hangs (no answer, never closed) drops it and takes over on a fresh one", async function () {
    const a = instance("a");
    await a.leadership.start();
    const proxy = new TcpProxy(await freePort(), pg.port);
    await proxy.open();
    try {
      const viaProxy = url.replace(`:${pg.port}/`, `:${proxy.port}/`);
      const election = new PgElection(viaProxy, "b", store.pool);
      const b = new Leadership({ election, duties: [new RecordingDuty()], log: quiet, pollMs: 100 });
      leaderships.push(b);
      await b.start();
      expect(b.leading).to.equal(false);
      proxy.freezeExisting(); // b's election connection now swallows its queries
      await a.leadership.stop();
      await eventually(async () => b.leading, 15_000, "b to lead on a fresh connection");
    } finally {
      await proxy.cut();
    }
  });

  it("the database down: nobody leads, nobody crashes; when it is back one instance leads again", async function () {
    const a = instance("a");
    await a.leadership.start();
    expect(a.leadership.leading).to.equal(true);
    await pg.halt();
    try {
      await eventually(async () => !a.leadership.leading, 10_000, "a to stand down");
      expect(a.duty.running).to.equal(false);
    } finally {
      await pg.resume();
    }
    await eventually(async () => a.leadership.leading, 15_000, "a to lead again");
    expect(a.duty.starts).to.equal(2);
  });
});

describe("the embedded default (SQLite): one instance, always the leader", function () {
  it("leads at once and stays leader", async function () {
    const duty = new RecordingDuty();
    const leadership = new Leadership({ election: new SoleInstance("solo"), duties: [duty], log: quiet, pollMs: 50 });
    await leadership.start();
    expect(leadership.state).to.include({ instance: "solo", leading: true });
    await new Promise((r) => setTimeout(r, 150));
    expect(duty.starts).to.equal(1);
    await leadership.stop();
    expect(duty.running).to.equal(false);
  });
});
