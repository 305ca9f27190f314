import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { ArtifactCheckInput } from '@/lib/schemas/evidence';
import { runArtifactCheck } from '@/lib/watchdog/artifacts';

export const POST = route({ name: 'POST /artifact-checks', permission: 'artifactChecks.write', body: ArtifactCheckInput }, async ({ ctx, body }) =>
  reply(201, { check: await runArtifactCheck(ctx, body) }),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
