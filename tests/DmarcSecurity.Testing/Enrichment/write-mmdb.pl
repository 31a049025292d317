#!/usr/bin/perl
# Writes a small database in MaxMind's format for the enrichment tests and benchmark, with Debian's MaxMind::DB::Writer
# (libmaxmind-db-writer-perl). Usage: write-mmdb.pl SPEC.json OUT.mmdb
# SPEC: { "ip_version": 4|6, "database_type": "GeoLite2-City", "record_size": 24, "alias_ipv6_to_ipv4": 0|1,
#         "types": { "key": "uint32", ... }, "networks": [ { "network": "192.0.2.0/24", "data": { ... } }, ... ] }
# A key not in "types" takes the usual type of MaxMind's GeoIP2 layouts (see %known), else utf8_string.
use strict;
use warnings;
use JSON::PP;
use MaxMind::DB::Writer::Tree;

my ($spec_file, $out_file) = @ARGV;
die "usage: $0 SPEC.json OUT.mmdb\n" unless defined $out_file;
open my $in, '<:raw', $spec_file or die "cannot read $spec_file: $!\n";
my $spec = JSON::PP->new->decode(do { local $/; <$in> });
close $in;

my %known = (
    geoname_id => 'uint32', autonomous_system_number => 'uint32', accuracy_radius => 'uint16', metro_code => 'uint16',
    confidence => 'uint16', latitude => 'double', longitude => 'double', is_in_european_union => 'boolean',
    names => 'map', city => 'map', country => 'map', continent => 'map', location => 'map', postal => 'map',
    registered_country => 'map', represented_country => 'map', traits => 'map', subdivisions => ['array', 'map'],
);
my %types = (%known, %{ $spec->{types} // {} });
# Flat layouts (ip-location-db) keep "city" as a string: their spec says so in "types".

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $spec->{ip_version} // 6,
    record_size              => $spec->{record_size} // 24,
    database_type            => $spec->{database_type} // 'Test',
    languages                => ['en'],
    description              => { en => 'DmarcSecurity test database' },
    alias_ipv6_to_ipv4       => $spec->{alias_ipv6_to_ipv4} // 0,
    remove_reserved_networks => 0,
    map_key_type_callback    => sub { $types{ $_[0] } // 'utf8_string' },
);
for my $n (@{ $spec->{networks} }) {
    $tree->insert_network($n->{network}, $n->{data});
}
open my $out, '>:raw', "$out_file.tmp" or die "cannot write $out_file: $!\n";
$tree->write_tree($out);
close $out or die "cannot write $out_file: $!\n";
rename "$out_file.tmp", $out_file or die "cannot rename to $out_file: $!\n";
