#!/usr/bin/env bash
# Makes the TLS certificates of a GardenCity deployment with openssl: a local certificate authority (CA) and one server
# certificate signed by it, used by Mosquitto's TLS listener (8883) and by the API and dashboard (https). Stations and
# browsers trust ca.crt. docs/deployment.md, "Certificates", walks through it.
#
#   GC_TLS_PFX_PASSWORD=... deploy/tls/make-certs.sh [OUTPUT_DIR]
#
# OUTPUT_DIR       where the files go; default deploy/tls/certs (mounted by docker-compose.yml; git ignores its content)
# GC_TLS_PFX_PASSWORD  required: the password of server.pfx (the API's PKCS#12 file; docker-compose.yml passes the
#                  same variable as GardenCity:Api:CertificatePassword)
# GC_TLS_HOSTS     comma-separated DNS names and IP addresses the server certificate is valid for, in addition to
#                  mosquitto, alerting, localhost and 127.0.0.1 (the compose service names and loopback); e.g.
#                  GC_TLS_HOSTS=mqtt.mentougou.example,10.3.0.12
# GC_TLS_DAYS      validity of the server certificate in days; default 825 (the longest browsers accept)
# GC_TLS_CA_DAYS   validity of a new CA in days; default 3650
#
# Files: ca.crt (give it to stations and browsers), ca.key (keep it offline after this), server.crt, server.key
# (Mosquitto), server.pfx (the API). An existing ca.key/ca.crt is reused, so stations that trust it keep working when
# the server certificate is renewed; delete both to start a new CA. Private keys are written mode 0600.
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")" && pwd)/certs}"
: "${GC_TLS_PFX_PASSWORD:?set GC_TLS_PFX_PASSWORD (the password of server.pfx, also given to the API)}"
days="${GC_TLS_DAYS:-825}"
ca_days="${GC_TLS_CA_DAYS:-3650}"
command -v openssl >/dev/null || { echo "make-certs.sh: openssl is not installed (Debian: apt-get install openssl)" >&2; exit 2; }
[[ "$days" =~ ^[0-9]+$ && "$ca_days" =~ ^[0-9]+$ ]] || { echo "make-certs.sh: GC_TLS_DAYS and GC_TLS_CA_DAYS must be whole numbers of days" >&2; exit 2; }

mkdir -p "$out"
umask 077

san="DNS:mosquitto,DNS:alerting,DNS:localhost,IP:127.0.0.1"
IFS=',' read -r -a extra <<< "${GC_TLS_HOSTS:-}"
for host in "${extra[@]}"; do
  host="${host// /}"
  [[ -z "$host" ]] && continue
  if [[ "$host" =~ ^[0-9.]+$ || "$host" == *:* ]]; then san+=",IP:$host"; else san+=",DNS:$host"; fi
done

if [[ -f "$out/ca.key" && -f "$out/ca.crt" ]]; then
  echo "make-certs.sh: reusing the CA in $out"
else
  openssl req -x509 -new -newkey rsa:3072 -nodes -sha256 -days "$ca_days" \
    -subj "/O=GardenCity.Monitoring/CN=GardenCity local CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
fi

openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=GardenCity.Monitoring/CN=${extra[0]:-mosquitto}" \
  -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" > "$out/server.ext"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -sha256 -days "$days" \
  -extfile "$out/server.ext" -out "$out/server.crt" 2>/dev/null
# The API's PKCS#12 file, encrypted with the password (AES-256; .NET reads it with GardenCity:Api:CertificatePassword).
openssl pkcs12 -export -in "$out/server.crt" -inkey "$out/server.key" -certfile "$out/ca.crt" -name gardencity \
  -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -passout env:GC_TLS_PFX_PASSWORD -out "$out/server.pfx"
rm -f "$out/server.csr" "$out/server.ext" "$out/ca.srl"
# Certificates are public; server.pfx is encrypted and must be readable by the API container's user (app, uid 1654).
chmod 0644 "$out/ca.crt" "$out/server.crt" "$out/server.pfx"
chmod 0600 "$out/ca.key" "$out/server.key"
# Mosquitto 2 reads its key file as the user it runs as (mosquitto, uid 1883 in the eclipse-mosquitto image).
if [[ "$(id -u)" == 0 ]]; then
  chown 1883:1883 "$out/server.key"
else
  echo "make-certs.sh: for docker-compose, give server.key to the broker's user: sudo chown 1883:1883 $out/server.key"
fi
echo "make-certs.sh: wrote ca.crt, server.crt, server.key and server.pfx to $out (valid for $san)"
