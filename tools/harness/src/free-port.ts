import net from 'node:net';

/**
 * A port the OS has just handed out on `host`. Another process can take it before the caller
 * binds it: whoever starts a server on it retries on EADDRINUSE (ServiceProcess.start does).
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
