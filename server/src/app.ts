import express, { type Express } from "express";
import { pinoHttp } from "pino-http";
import { randomUUID } from "node:crypto";

import { errorMiddleware, notFound } from "./http/errorMiddleware.js";
import { publicCors, publicRateLimit, securityHeaders } from "./http/middleware/protection.js";
import type { AppDeps } from "./http/routes/context.js";
import { auditRoutes } from "./http/routes/audit.js";
import { documentRoutes } from "./http/routes/documents.js";
import { opsRoutes } from "./http/routes/ops.js";
import { pageRoutes, webAssets } from "./http/routes/pages.js";
import { publicRoutes } from "./http/routes/public.js";
import { requestSerializer } from "./logger.js";

export type { AppDeps } from "./http/routes/context.js";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route of the app as "METHOD /path/{param}" (for the OpenAPI check). */
export function listRoutes(app: Express): string[] {
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, "{$1}")}`)
        : walk(layer.handle?.stack ?? []),
    );
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

/** The Express app; it never listens (startServer / tests do). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.set("trust proxy", deps.trustProxy);
  app.use(securityHeaders());
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      serializers: { req: requestSerializer, res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }) },
      // 503 (database or chain away, shutting down) is a state /readyz and the metrics report, not a fault: warn, once per request.
      customLogLevel: (_req, res, err) => (res.statusCode === 503 ? "warn" : err || res.statusCode >= 500 ? "error" : "info"),
    }),
  );
  const limit = publicRateLimit(deps.rateLimitPerMinute);
  app.use(["/api/v1/verify", "/api/v1/receipts", "/api/v1/registry"], publicCors(), limit);
  app.use("/assets", webAssets());
  const router = express.Router();
  pageRoutes(router);
  documentRoutes(router, deps);
  auditRoutes(router, deps);
  publicRoutes(router, deps);
  opsRoutes(router, deps);
  app.use(router);
  app.use(notFound);
  app.use(errorMiddleware);
  return app;
}
