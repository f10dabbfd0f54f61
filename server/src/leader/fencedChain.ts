import { NotaryError } from "../errors.js";
import type { Chain } from "../domain/ports.js";
import type { Election } from "./leadership.js";

/**
 * The chain as the leader's duties see it: every transaction is sent only
 * after the election confirms this instance still leads. An instance that
 * lost its database connection a moment ago (and with it the lock another
 * instance may now hold) sends nothing more; reads pass through.
 */
export class FencedChain implements Chain {
  constructor(
    private readonly inner: Chain,
    private readonly election: Election,
  ) {}

  get chainId() {
    return this.inner.chainId;
  }

  get genesisHash() {
    return this.inner.genesisHash;
  }

  get registry() {
    return this.inner.registry;
  }

  private async fence(): Promise<void> {
    if (!(await this.election.holds().catch(() => false))) {
      throw new NotaryError("NOT_LEADER", `instance ${this.election.instance} no longer leads: it sends no transaction`);
    }
  }

  async sendAnchor(root: string, leafCount: number) {
    await this.fence();
    return this.inner.sendAnchor(root, leafCount);
  }

  async sendRevoke(root: string, leaf: string, proof: string[], reason: number) {
    await this.fence();
    return this.inner.sendRevoke(root, leaf, proof, reason);
  }

  waitMined = (transactionHash: string, confirmations: number) => this.inner.waitMined(transactionHash, confirmations);
  anchorOf = (root: string) => this.inner.anchorOf(root);
  revocationOf = (leaf: string) => this.inner.revocationOf(leaf);
  transactionKnown = (transactionHash: string) => this.inner.transactionKnown(transactionHash);
  findAnchorTransaction = (root: string, blockNumber: number) => this.inner.findAnchorTransaction(root, blockNumber);
  blockHash = (blockNumber: number) => this.inner.blockHash(blockNumber);
  municipality = () => this.inner.municipality();
  version = () => this.inner.version();
  blockNumber = () => this.inner.blockNumber();
}
