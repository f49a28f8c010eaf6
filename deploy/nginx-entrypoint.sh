#!/bin/sh
# Fill in deploy/nginx.conf and run nginx in the foreground (docker-compose's nginx service).
# NGINX_WEB_SERVERS: the web processes, space-separated; a compose service name stands for
# every replica (nginx resolves all its addresses at start: restart nginx after scaling web).
set -eu
servers=""
for server in ${NGINX_WEB_SERVERS:-web:8080}; do
    servers="$servers server $server;"
done
sed -e "s|@LISTEN@|${NGINX_LISTEN:-80}|" \
    -e "s|@WEB_SERVERS@|$servers|" \
    -e "s|@MEDIA_ROOT@|${NGINX_MEDIA_ROOT:-/data/media}|" \
    -e "s|@MAX_UPLOAD_BYTES@|${PRESESSION_MAX_UPLOAD_BYTES:-4294967296}|" \
    /etc/presession/nginx.conf.template > /etc/nginx/presession.conf
exec nginx -p /var/lib/nginx -c /etc/nginx/presession.conf -e stderr -g "daemon off; user www-data;"
