// The field tables: one per aws-c-mqtt view struct the binding converts (see convert.h).
#pragma once

#include "convert.h"

namespace mqtt5crt::tables {

extern const Table kPublish;        // aws_mqtt5_packet_publish_view (both ways)
extern const Table kPuback;         // aws_mqtt5_packet_puback_view
extern const Table kSubscribe;      // aws_mqtt5_packet_subscribe_view
extern const Table kSuback;         // aws_mqtt5_packet_suback_view
extern const Table kUnsubscribe;    // aws_mqtt5_packet_unsubscribe_view
extern const Table kUnsuback;       // aws_mqtt5_packet_unsuback_view
extern const Table kConnect;        // aws_mqtt5_packet_connect_view
extern const Table kConnack;        // aws_mqtt5_packet_connack_view
extern const Table kDisconnect;     // aws_mqtt5_packet_disconnect_view (both ways)
extern const Table kSettings;       // aws_mqtt5_negotiated_settings
extern const Table kClientOptions;  // aws_mqtt5_client_options (the plain-data part of the config)

}  // namespace mqtt5crt::tables
