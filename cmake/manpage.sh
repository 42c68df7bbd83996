#!/bin/sh
# Writes the fcindex(1) manual page in roff to stdout from what the built
# binary says about itself (`fcindex help` and `fcindex help COMMAND`), so
# the page can never disagree with the program.
#   cmake/manpage.sh path/to/fcindex
set -eu
bin="$1"
version="$("$bin" --version | sed 's/^fcindex //')"

# Text lines as roff: backslashes escaped, a leading . or ' neutralised.
roff_text() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

summary="$("$bin" help | sed -n '1s/^fcindex [^ ]* - //p')"
cat <<HEAD
.TH FCINDEX 1 "" "fcindex $version" "User Commands"
.SH NAME
fcindex \\- $summary
.SH SYNOPSIS
.B fcindex
[\\fB\\-\\-config\\fR \\fIFILE\\fR]
[\\fB\\-\\-set\\fR \\fIsection.key=value\\fR]...
\\fICOMMAND\\fR [\\fIARGS\\fR]
.SH DESCRIPTION
HEAD
cat <<DESC
\\fBfcindex\\fR is $summary. Each command is described under COMMANDS
below; \\fBfcindex help\\fR \\fICOMMAND\\fR prints the same text.
DESC
echo ".SH GLOBAL OPTIONS"
echo ".nf"
"$bin" help | sed -n '/^global options:/,/^$/p' | sed '1d;/^$/d' | roff_text
echo ".fi"
echo ".SH COMMANDS"
"$bin" help | sed -n '/^commands:/,/^$/p' | sed '1d;/^$/d' | awk '{print $1}' |
while read -r cmd; do
  printf '.SS %s\n' "$cmd"
  echo ".nf"
  "$bin" help "$cmd" | roff_text
  echo ".fi"
done
cat <<'TAIL'
.SH CONFIGURATION
Options come, lowest precedence first, from built-in defaults, the INI file given
with \fB\-\-config\fR, the environment (\fBFCINDEX_\fISECTION\fB_\fIKEY\fR) and
\fB\-\-set\fR. \fBfcindex config docs\fR prints the full option reference;
an annotated example is installed as \fIfcindex.conf.example\fR in the
documentation directory.
.SH SIGNALS
\fBSIGTERM\fR and \fBSIGINT\fR stop \fBserve\fR cleanly. \fBSIGHUP\fR re-reads the
configuration and applies \fBlog.level\fR; every other option takes effect at the
next start.
.SH EXIT STATUS
0 on success, 1 on failure, 2 on a usage error.
TAIL
