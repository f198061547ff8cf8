#!/bin/sh
# As the official nginx image's entrypoint does before it starts nginx: each /etc/nginx/templates/*.template
# becomes /etc/nginx/conf.d/<name> with the ${VARIABLES} that are set filled in (envsubst), then the command runs.
set -eu
defined=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')
for template in /etc/nginx/templates/*.template; do
  [ -e "$template" ] || break
  envsubst "$defined" <"$template" >"/etc/nginx/conf.d/$(basename "$template" .template)"
done
exec "$@"
