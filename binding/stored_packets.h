// Owned deep copies of the packets a CRT callback hands us (valid only during the callback), made
// on the CRT thread and turned into JS objects on the JS thread, through the tables in packets.cc.
#pragma once

#include <memory>

#include "events.h"

struct aws_mqtt5_packet_publish_view;
struct aws_mqtt5_packet_puback_view;
struct aws_mqtt5_packet_suback_view;
struct aws_mqtt5_packet_unsuback_view;
struct aws_mqtt5_packet_connack_view;
struct aws_mqtt5_packet_disconnect_view;
struct aws_mqtt5_negotiated_settings;

namespace mqtt5crt {

std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_publish_view *view);
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_puback_view *view);
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_suback_view *view);
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_unsuback_view *view);
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_connack_view *view);
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_disconnect_view *view);
std::unique_ptr<OwnedPacket> CopySettings(const aws_mqtt5_negotiated_settings *settings);

}  // namespace mqtt5crt
