/**
 * One Herald Socket.IO client over raw `ws`, for scenarios that follow a single client closely
 * (the load generator's clients are cheaper and dumber): connect with a token, emit with an ack,
 * and parse what comes back like a real client would.
 */
import WebSocket from 'ws';
import { wsUrl } from './protocols.js';

export class HeraldSocket {
  private nextAck = 1;
  private acks = new Map<number, (payload: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text === '2') ws.send('3');
      else if (text.startsWith('43')) {
        const open = text.indexOf('[');
        const id = Number(text.slice(2, open));
        const ack = this.acks.get(id);
        this.acks.delete(id);
        ack?.((JSON.parse(text.slice(open)) as unknown[])[0]);
      }
    });
  }

  /** Open a socket and complete the Socket.IO connect with `token`. */
  static connect(url: string, token: string, localAddress = '127.0.0.1'): Promise<HeraldSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl({ protocol: 'herald', url, channel: '' }), { localAddress, perMessageDeflate: false });
      const onMessage = (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`);
        else if (text.startsWith('40')) {
          ws.off('message', onMessage);
          resolve(new HeraldSocket(ws));
        } else if (text.startsWith('44')) reject(new Error(`connect_error ${text.slice(2)}`));
      };
      ws.on('message', onMessage);
      ws.once('error', reject);
    });
  }

  emitWithAck<T>(event: string, payload: unknown): Promise<T> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve as (p: unknown) => void);
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
